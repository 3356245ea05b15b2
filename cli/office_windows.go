package cli

import "addingov/office"

func officeRegistry() office.Registry { return office.WindowsRegistry{} }
