// Command talos-validator checks a Talos machine config with Talos' own validator
// (github.com/siderolabs/talos/pkg/machinery), the same code path as `talosctl validate`.
//
// Usage: talos-validator [-mode metal] [-strict] FILE...
// Exit status: 0 when every file is valid, 1 when any is invalid, 2 on bad usage.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/validation"
)

// mode implements validation.RuntimeMode. Talos' own modes live in an internal package
// (internal/app/machined/pkg/runtime) that machinery users cannot import, so this mirrors
// their semantics: metal requires an install, container runs in a container, cloud neither.
type mode string

func (m mode) String() string        { return string(m) }
func (m mode) RequiresInstall() bool { return m == "metal" }
func (m mode) InContainer() bool     { return m == "container" }

func main() {
	modeArg := flag.String("mode", "metal", "runtime mode to validate for: metal, cloud or container")
	strict := flag.Bool("strict", false, "treat validation warnings as errors")
	flag.Parse()

	if flag.NArg() == 0 || (*modeArg != "metal" && *modeArg != "cloud" && *modeArg != "container") {
		fmt.Fprintln(os.Stderr, "usage: talos-validator [-mode metal|cloud|container] [-strict] FILE...")
		os.Exit(2)
	}

	// WithLocal, as talosctl validate does: skip the checks that only work on the node itself.
	opts := []validation.Option{validation.WithLocal()}
	if *strict {
		opts = append(opts, validation.WithStrict())
	}

	failed := false

	for _, path := range flag.Args() {
		if err := validateFile(path, mode(*modeArg), opts); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)

			failed = true

			continue
		}

		fmt.Printf("%s is valid for %s mode\n", path, *modeArg)
	}

	if failed {
		os.Exit(1)
	}
}

func validateFile(path string, m mode, opts []validation.Option) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}

	cfg, err := configloader.NewFromBytes(data)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}

	warnings, err := cfg.Validate(m, opts...)
	for _, w := range warnings {
		fmt.Fprintf(os.Stderr, "%s: warning: %s\n", path, w)
	}

	return err
}
