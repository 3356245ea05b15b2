package main

import (
	"fmt"
	"runtime"
)

// machine is the line at the top of the output: the figures mean little without it.
type machine struct {
	CPU    string `json:"cpu"`
	Cores  int    `json:"cores"`
	Go     string `json:"go"`
	OS     string `json:"os"`
	Kernel string `json:"kernel"`
	Dir    string `json:"dir"` // where the state files were written
}

func thisMachine(dir string) machine {
	cpu, kernel := cpuModel(), kernelRelease()
	if cpu == "" {
		cpu = runtime.GOARCH
	}
	return machine{CPU: cpu, Cores: runtime.NumCPU(), Go: runtime.Version(),
		OS: runtime.GOOS + "/" + runtime.GOARCH, Kernel: kernel, Dir: dir}
}

func (m machine) String() string {
	return fmt.Sprintf("machine: %s, %d cores, %s, %s, kernel %s; state files in %s", m.CPU, m.Cores, m.Go, m.OS, m.Kernel, m.Dir)
}
