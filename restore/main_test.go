package restore

import (
	"os"
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
