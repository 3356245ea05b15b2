package registrypolicy_test

import (
	"fmt"

	"addingov/registrypolicy"
)

func ExampleEvaluate() {
	f, err := registrypolicy.ParseRegFile("policy.reg", []byte(`Windows Registry Editor Version 5.00

[HKEY_CURRENT_USER\Software\Policies\Microsoft\Office\16.0\WEF\Outlook]
"alertinterval"=dword:00000001
"activationalertthreshold"="2500"
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	s := registrypolicy.NewMemoryStore()
	f.Apply(s)
	e := registrypolicy.Evaluate(s)
	for _, name := range []string{registrypolicy.AlertIntervalSeconds, registrypolicy.ActivationThresholdMs} {
		v, _ := e.Setting(name)
		fmt.Printf("%s = %v %s from %s\n", v.Name, v.Value, v.Unit, v.Origin)
		if v.Error != "" {
			fmt.Println("  ", v.Error)
		}
	}
	fmt.Println(e.Policy.Thresholds.ActivationThreshold)
	// Output:
	// AlertIntervalSeconds = 5 s from default
	//    policy.reg:4 HKEY_CURRENT_USER\Software\Policies\Microsoft\Office\16.0\WEF\Outlook\alertinterval: 1 is out of range 5–600 s (ignored)
	// ActivationThresholdMs = 2500 ms from policy.reg:5 HKEY_CURRENT_USER\Software\Policies\Microsoft\Office\16.0\WEF\Outlook\activationalertthreshold
	// 2.5s
}
