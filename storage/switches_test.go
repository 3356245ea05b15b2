package storage_test

import (
	"path/filepath"
	"testing"

	"addingov/storage"
)

func TestSwitchesSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "addingov.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.Switch("office:Outlook:A"); err != nil || ok {
		t.Fatalf("empty database: ok %v err %v", ok, err)
	}
	if err := db.PutSwitch("office:Outlook:A", []byte(`{"value":3}`)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	data, ok, err := db.Switch("office:Outlook:A")
	if err != nil || !ok || string(data) != `{"value":3}` {
		t.Fatalf("after reopen: %q %v %v", data, ok, err)
	}
	if err := db.DeleteSwitch("office:Outlook:A"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.Switch("office:Outlook:A"); ok {
		t.Error("deleted switch still there")
	}
	if err := db.PutSwitch("", nil); err == nil {
		t.Error("empty id accepted")
	}
}
