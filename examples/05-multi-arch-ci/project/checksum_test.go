package checksum

import (
	"runtime"
	"testing"
)

func TestPlatform(t *testing.T) {
	// Which architecture ran the suite, for the CI log.
	t.Logf("GOARCH=%s GOOS=%s", runtime.GOARCH, runtime.GOOS)
}

func TestFletcher16KnownValues(t *testing.T) {
	cases := map[string]uint16{"abcde": 0xC8F0, "abcdef": 0x2057, "abcdefgh": 0x0627}
	for in, want := range cases {
		if got := Fletcher16([]byte(in)); got != want {
			t.Errorf("Fletcher16(%q) = %#04x, want %#04x", in, got, want)
		}
	}
}
