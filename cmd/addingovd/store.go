package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"addingov/daemon"
	"addingov/storage"
)

// exitUnusable is addingovd's exit status when the state file is damaged or unreadable
// (run refuses to start; check finds it so), so a service manager can tell it from a
// crash and stop restarting.
const exitUnusable = 3

// progressPages is the file size (in pages, about 40 MB) from which recover reports
// its progress.
const progressPages = 10000

// storeCommands are the state file's support commands: check and recover.
func storeCommands() []*cobra.Command { return []*cobra.Command{checkCmd(), recoverCmd()} }

func statePath(stateDir string) string { return filepath.Join(stateDir, storage.FileName) }

func checkCmd() *cobra.Command {
	var stateDir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the state file without writing to it (exit 0 healthy, 3 damaged or unreadable)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := storage.CheckFile(statePath(stateDir), storage.CheckOptions{})
			if err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), d); err != nil {
					return err
				}
			} else if d.Healthy {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: healthy (%d pages checked)\n", d.Path, d.Pages)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n  what: %s\n  do:   %s\n", d.Path, d.Cause, d.Summary, d.Advice)
			}
			if !d.Healthy {
				return exitError{exitUnusable}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&stateDir, "state-dir", daemon.DefaultStateDir(), "directory holding the state file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the diagnosis as JSON")
	return cmd
}

func recoverCmd() *cobra.Command {
	var stateDir string
	var asJSON, force bool
	cmd := &cobra.Command{
		Use:   "recover",
		Short: "Copy every readable record of a damaged state file into a fresh one, keeping the damaged file beside it (stop the daemon first)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			errw := cmd.ErrOrStderr()
			rep, err := storage.Recover(statePath(stateDir), storage.RecoverOptions{
				Force: force,
				Progress: func(read, total uint64) {
					if total >= progressPages {
						fmt.Fprintf(errw, "recover: read %d of %d pages (%d%%)\n", read, total, read*100/total)
					}
				},
			})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			printRecovery(cmd.OutOrStdout(), rep)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&stateDir, "state-dir", daemon.DefaultStateDir(), "directory holding the state file")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.BoolVar(&force, "force", false, "rebuild the file even when it checks healthy")
	return cmd
}

func printRecovery(w io.Writer, rep storage.RecoverReport) {
	d := rep.Diagnosis
	if !rep.Recovered {
		fmt.Fprintf(w, "%s: healthy, nothing to recover (--force rebuilds it anyway)\n", rep.Path)
		return
	}
	if d.Healthy {
		fmt.Fprintf(w, "%s: healthy; rebuilt as asked\n", rep.Path)
	} else {
		fmt.Fprintf(w, "%s was %s: %s\n", rep.Path, d.Cause, d.Summary)
	}
	fmt.Fprintf(w, "the old file is kept, unchanged, as %s\n\n", rep.DamagedCopy)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BUCKET\tKEPT\tLOST")
	for _, b := range rep.Buckets {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", b.Bucket, b.Kept, lost(b.LostPages, b.LostRecords, b.LostUnknown, b.Rebuilt))
	}
	fmt.Fprintf(tw, "total\t%d\t%s\n", rep.Kept, lost(rep.LostPages, rep.LostRecords, rep.LostUnknown, false))
	tw.Flush()
}

// lost says what a bucket lost: a count, or how many damaged pages hid an unknown number.
func lost(pages, records int, unknown, rebuilt bool) string {
	on := fmt.Sprintf("on %d damaged page", pages)
	if pages != 1 {
		on += "s"
	}
	switch {
	case rebuilt && pages == 0:
		return "0 (index rebuilt from the log)"
	case pages == 0:
		return "0"
	case unknown && records == 0:
		return "an unknown number, " + on
	case unknown:
		return fmt.Sprintf("%d and an unknown number more, %s", records, on)
	}
	return fmt.Sprintf("%d, %s", records, on)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// exitError ends addingovd with a status and no further message (the command has
// printed what it found).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exitCode is the status for err: exitUnusable for a damaged or unreadable state file.
func exitCode(err error) int {
	var e exitError
	switch {
	case errors.As(err, &e):
		return e.code
	case errors.Is(err, storage.ErrUnusable):
		return exitUnusable
	}
	return 1
}
