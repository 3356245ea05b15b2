package winservice

import (
	"encoding/xml"
	"os"
	"strings"
	"testing"
	"time"

	"addingov/logging"
)

// wxs is the part of packaging/windows/addingov.wxs that must agree with this package.
type wxs struct {
	Product struct {
		UpgradeCode  string `xml:"UpgradeCode,attr"`
		MajorUpgrade []struct {
			DowngradeErrorMessage string `xml:"DowngradeErrorMessage,attr"`
		} `xml:"MajorUpgrade"`
		RemoveExistingProducts []struct {
			Sequence string `xml:"Sequence,attr"`
		} `xml:"InstallExecuteSequence>RemoveExistingProducts"`
		Components []struct {
			ID             string `xml:"Id,attr"`
			ServiceInstall []struct {
				Name        string `xml:"Name,attr"`
				DisplayName string `xml:"DisplayName,attr"`
				Description string `xml:"Description,attr"`
				Start       string `xml:"Start,attr"`
				Type        string `xml:"Type,attr"`
				Account     string `xml:"Account,attr"`
				Arguments   string `xml:"Arguments,attr"`
			} `xml:"ServiceInstall"`
			ServiceControl []struct {
				Name   string `xml:"Name,attr"`
				Start  string `xml:"Start,attr"`
				Stop   string `xml:"Stop,attr"`
				Remove string `xml:"Remove,attr"`
			} `xml:"ServiceControl"`
			RegistryKeys []struct {
				Root   string          `xml:"Root,attr"`
				Key    string          `xml:"Key,attr"`
				Values []registryValue `xml:"RegistryValue"`
			} `xml:"RegistryKey"`
			RegistryValues []registryValue `xml:"RegistryValue"`
		} `xml:"DirectoryRef>Component"`
		CustomActions []struct {
			ID          string `xml:"Id,attr"`
			FileKey     string `xml:"FileKey,attr"`
			ExeCommand  string `xml:"ExeCommand,attr"`
			Execute     string `xml:"Execute,attr"`
			Impersonate string `xml:"Impersonate,attr"`
		} `xml:"CustomAction"`
		Sequence []struct {
			Action    string `xml:"Action,attr"`
			After     string `xml:"After,attr"`
			Condition string `xml:",chardata"`
		} `xml:"InstallExecuteSequence>Custom"`
	} `xml:"Product"`
}

type registryValue struct {
	Root  string `xml:"Root,attr"`
	Key   string `xml:"Key,attr"`
	Name  string `xml:"Name,attr"`
	Value string `xml:"Value,attr"`
}

// TestMSIMatchesService checks that the MSI installs the same service, Event Log source,
// recovery step and agent entry that `addingovd install` and the daemon use.
func TestMSIMatchesService(t *testing.T) {
	raw, err := os.ReadFile("../packaging/windows/addingov.wxs")
	if err != nil {
		t.Fatalf("read the MSI source: %v", err)
	}
	var w wxs
	if err := xml.Unmarshal(raw, &w); err != nil {
		t.Fatalf("parse the MSI source: %v", err)
	}
	var installs, controls, sources, agents int
	for _, c := range w.Product.Components {
		for _, si := range c.ServiceInstall {
			installs++
			got := []string{si.Name, si.DisplayName, si.Description, si.Arguments, si.Start, si.Type, si.Account}
			want := []string{Name, DisplayName, Description, ServiceArg, "auto", "ownProcess", "LocalSystem"}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("ServiceInstall attribute %d = %q, want %q", i, got[i], want[i])
				}
			}
		}
		for _, sc := range c.ServiceControl {
			controls++
			if sc.Name != Name || sc.Start != "install" || sc.Stop != "both" || sc.Remove != "uninstall" {
				t.Errorf("ServiceControl %+v: want %s started on install, stopped on both, removed on uninstall", sc, Name)
			}
		}
		for _, k := range c.RegistryKeys {
			if k.Root == "HKLM" && k.Key == `SYSTEM\CurrentControlSet\Services\EventLog\Application\`+logging.EventSource {
				for _, v := range k.Values {
					if v.Name == "EventMessageFile" && strings.HasSuffix(v.Value, "EventCreate.exe") {
						sources++
					}
				}
			}
		}
		for _, v := range c.RegistryValues {
			if v.Root == "HKLM" && v.Key == `Software\Microsoft\Windows\CurrentVersion\Run` && v.Name == AgentRunValue {
				agents++
				if v.Value != `"[INSTALLDIR]addingov-agent.exe"` {
					t.Errorf("the Run entry is %q, want the quoted addingov-agent.exe (the GUI-subsystem agent: no console window at logon)", v.Value)
				}
			}
		}
	}
	if installs != 1 || controls != 1 || sources != 1 || agents != 1 {
		t.Errorf("found %d ServiceInstall, %d ServiceControl, %d Event Log sources, %d agent Run entries; want one of each",
			installs, controls, sources, agents)
	}
	// The UpgradeCode ties every version together: changing it would make an upgrade
	// install a second product beside the first.
	if w.Product.UpgradeCode != "07e12f75-f837-44ac-8bf5-1ea457ada897" {
		t.Errorf("UpgradeCode is %q: it must never change, or upgrades install side by side", w.Product.UpgradeCode)
	}
	if len(w.Product.MajorUpgrade) != 1 || !strings.Contains(w.Product.MajorUpgrade[0].DowngradeErrorMessage, "uninstall AddinGov first") {
		t.Errorf("want one MajorUpgrade whose DowngradeErrorMessage says what to do, got %+v", w.Product.MajorUpgrade)
	}
	if len(w.Product.RemoveExistingProducts) != 1 || w.Product.RemoveExistingProducts[0].Sequence != "1501" {
		t.Errorf("RemoveExistingProducts must run right after InstallInitialize, 1500 (inside the transaction, so a failed upgrade rolls back), got %+v", w.Product.RemoveExistingProducts)
	}
	recovery := false
	for _, ca := range w.Product.CustomActions {
		if ca.FileKey == "addingovd.exe" && ca.ExeCommand == RecoveryCommand {
			recovery = ca.Execute == "deferred" && ca.Impersonate == "no"
			for _, s := range w.Product.Sequence {
				if s.Action == ca.ID && (s.After != "InstallServices" || strings.TrimSpace(s.Condition) != "NOT REMOVE") {
					t.Errorf("%s runs after %q when %q, want after InstallServices when NOT REMOVE", ca.ID, s.After, s.Condition)
				}
			}
		}
	}
	if !recovery {
		t.Errorf("no deferred, non-impersonated custom action runs `addingovd.exe %s`", RecoveryCommand)
	}
}

func TestRecoveryDelaysAndSpec(t *testing.T) {
	want := []time.Duration{5 * time.Second, 30 * time.Second, 60 * time.Second}
	if len(RecoveryDelays) != len(want) {
		t.Fatalf("RecoveryDelays = %v, want %v", RecoveryDelays, want)
	}
	for i := range want {
		if RecoveryDelays[i] != want[i] {
			t.Errorf("RecoveryDelays[%d] = %s, want %s", i, RecoveryDelays[i], want[i])
		}
	}
	s := DefaultSpec(`C:\Program Files\AddinGov\addingovd.exe`)
	if s.Name != Name || s.EventSource != logging.EventSource || len(s.Args) != 1 || s.Args[0] != ServiceArg {
		t.Errorf("DefaultSpec = %+v, want the %s service run with %q and its Event Log source", s, Name, ServiceArg)
	}
}
