package officetest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"addingov/office"
)

// CorpusDir, relative to a package directory of this module, is the shared corpus
// of real Office add-in registrations (its SOURCES.md names each file's repository
// and commit).
const CorpusDir = "../../shared/corpus/office"

// RegFiles are the corpus's .reg files, imported as they are (one is UTF-16LE).
// The third KeepOutlookRunning file (SourceCode_KeepOutlookRunning.reg) has no
// "Windows Registry Editor Version 5.00" header, so neither regedit nor reg import
// accepts it; it is not imported.
var RegFiles = []string{
	"reg/theduffster_KeepOutlookRunning__KeepOutlookRunning.reg",
	"reg/theduffster_KeepOutlookRunning__KeepOutlookRunning-64bit.reg",
	"reg/dinhngtu_OutlookCloseToMinimize__forceload.reg",
}

// RegWrite is one registry write an installer in the corpus makes.
type RegWrite struct {
	Key, Name string
	DWORD     bool
	Data      string // the string, or the DWORD in decimal
}

// InstallerWrites are the WiX and Inno Setup entries of the corpus translated to
// the registry writes their installers make (the Windows tests run each as `reg add`):
//   - installer variables become the values the installer would resolve: [#file] and
//     [INSTALLDIR] / {app} the install folder under C:\Program Files; HKMU with
//     ALLUSERS=2 and MSIINSTALLPERUSER=1 (OutlookCloseToMinimize's Product.wxs) is a
//     per-user install, so HKCU; Inno's HKLM32 is the 32-bit view, written here as its
//     path HKLM\Software\WOW6432Node\…;
//   - names the files take from outside (WWT's $(var.ExcelAddinName), bovender's
//     {#ADDIN_NAME} and {code:GetRegKey}) are the add-in's file name or a sample name,
//     and bovender's single-user branch (HKCU) with Excel as the application;
//   - commented-out entries (Product.wxs's policy AddinList) are left out; Inno's
//     "Warmup" deletevalue and WWT's Office 12.0 hotfix key do not register add-ins.
var InstallerWrites = []RegWrite{
	// wix/dinhngtu_OutlookCloseToMinimize__Product.wxs
	{`HKCU\SOFTWARE\Microsoft\Office\Outlook\Addins\OutlookCloseToMinimize`, "Description", false, "OutlookCloseToMinimize"},
	{`HKCU\SOFTWARE\Microsoft\Office\Outlook\Addins\OutlookCloseToMinimize`, "FriendlyName", false, "OutlookCloseToMinimize"},
	{`HKCU\SOFTWARE\Microsoft\Office\Outlook\Addins\OutlookCloseToMinimize`, "Manifest", false, `file:///C:\Program Files\OutlookCloseToMinimize\OutlookCloseToMinimize.vsto|vstolocal`},
	{`HKCU\SOFTWARE\Microsoft\Office\Outlook\Addins\OutlookCloseToMinimize`, "LoadBehavior", true, "3"},
	{`HKCU\SOFTWARE\Microsoft\Office\16.0\Outlook\Resiliency\DoNotDisableAddinList`, "OutlookCloseToMinimize", true, "1"},
	// wix/WorldWideTelescope_wwt-excel-plugin__CoreFiles.wxi
	{`HKLM\Software\Microsoft\Office\Excel\Addins\Microsoft.Research.Wwt.Excel.Addin`, "FriendlyName", false, "WorldWide Telescope Add-in for Excel"},
	{`HKLM\Software\Microsoft\Office\Excel\Addins\Microsoft.Research.Wwt.Excel.Addin`, "Description", false, "WorldWide Telescope Add-in for Excel"},
	{`HKLM\Software\Microsoft\Office\Excel\Addins\Microsoft.Research.Wwt.Excel.Addin`, "Manifest", false, `C:\Program Files\WWT Excel Add-in\Microsoft.Research.Wwt.Excel.Addin.vsto|vstolocal`},
	{`HKLM\Software\Microsoft\Office\Excel\Addins\Microsoft.Research.Wwt.Excel.Addin`, "LoadBehavior", true, "3"},
	// inno/FlexConfirmMail_Outlook-VSTO-Addin__FlexConfirmMail.iss
	{`HKLM\Software\Microsoft\Office\Outlook\Addins\FlexConfirmMail`, "Description", false, "Addon for Checking Recipients and Attachments"},
	{`HKLM\Software\Microsoft\Office\Outlook\Addins\FlexConfirmMail`, "FriendlyName", false, "FlexConfirmMail"},
	{`HKLM\Software\Microsoft\Office\Outlook\Addins\FlexConfirmMail`, "Manifest", false, `file:///C:\Program Files\FlexConfirmMail\FlexConfirmMail.vsto|vstolocal`},
	{`HKLM\Software\Microsoft\Office\Outlook\Addins\FlexConfirmMail`, "LoadBehavior", true, "3"},
	{`HKLM\Software\WOW6432Node\Microsoft\Office\Outlook\Addins\FlexConfirmMail`, "Description", false, "Addon for Checking Recipients and Attachments"},
	{`HKLM\Software\WOW6432Node\Microsoft\Office\Outlook\Addins\FlexConfirmMail`, "FriendlyName", false, "FlexConfirmMail"},
	{`HKLM\Software\WOW6432Node\Microsoft\Office\Outlook\Addins\FlexConfirmMail`, "Manifest", false, `file:///C:\Program Files\FlexConfirmMail\FlexConfirmMail.vsto|vstolocal`},
	{`HKLM\Software\WOW6432Node\Microsoft\Office\Outlook\Addins\FlexConfirmMail`, "LoadBehavior", true, "3"},
	{`HKCU\Software\Microsoft\Office\16.0\Outlook\Resiliency\DoNotDisableAddinList`, "FlexConfirmMail", true, "1"},
	// inno/bovender_VstoAddinInstaller__registry.iss (single-user install)
	{`HKCU\Software\Microsoft\Office\Excel\Addins\VstoAddinInstallerSample`, "Description", false, "VstoAddinInstaller sample add-in"},
	{`HKCU\Software\Microsoft\Office\Excel\Addins\VstoAddinInstallerSample`, "FriendlyName", false, "VstoAddinInstallerSample"},
	{`HKCU\Software\Microsoft\Office\Excel\Addins\VstoAddinInstallerSample`, "LoadBehavior", true, "3"},
	{`HKCU\Software\Microsoft\Office\Excel\Addins\VstoAddinInstallerSample`, "Manifest", false, `file:///C:/Program Files/VstoAddinInstallerSample/VstoAddinInstallerSample.vsto|vstolocal`},
}

// Addins is what the inventory must list from the corpus: id → kind, app,
// scope, LoadBehavior.
var Addins = map[string]struct {
	Kind         office.Kind
	App, Scope   string
	LoadBehavior office.LoadBehavior
}{
	"office:Outlook:KeepOutlookRunningCOMAddin.Connect": {office.KindCOM, "Outlook", office.ScopeUser, 3},
	"office:Outlook:OutlookCloseToMinimize":             {office.KindVSTO, "Outlook", office.ScopeUser, 3},
	"office:Excel:Microsoft.Research.Wwt.Excel.Addin":   {office.KindVSTO, "Excel", office.ScopeMachine, 3},
	"office:Outlook:FlexConfirmMail":                    {office.KindVSTO, "Outlook", office.ScopeMachine, 3},
	"office:Excel:VstoAddinInstallerSample":             {office.KindVSTO, "Excel", office.ScopeUser, 3},
}

// Import loads the corpus found at dir into r: its .reg files with ImportReg and
// the installer entries as the registry writes they make. It returns an error when the
// corpus is not there.
func (r *Registry) Import(dir string) error {
	if _, err := os.Stat(dir); err != nil {
		return err
	}
	for _, f := range RegFiles {
		if err := r.ImportReg(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			return fmt.Errorf("import %s: %w", f, err)
		}
	}
	for _, w := range InstallerWrites {
		if w.DWORD {
			n, err := strconv.ParseUint(w.Data, 10, 32)
			if err != nil {
				return err
			}
			r.SetDWORD(w.Key, w.Name, uint32(n))
		} else {
			r.SetString(w.Key, w.Name, w.Data)
		}
	}
	return nil
}
