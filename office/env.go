package office

import "os"

var lookupEnv = os.LookupEnv
