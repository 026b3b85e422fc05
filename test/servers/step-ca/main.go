// step-ca, the smallstep online CA, for the test bed. Debian's
// golang-github-smallstep-certificates-dev (0.19) ships the library but drops its cmd/step-ca;
// this is that main package cut to what the tests use: `step-ca CONFIG [--password-file F]`,
// software keys (softkms) and the built-in X.509 authority (softcas). Built offline by
// scripts/build-step-ca.sh in GOPATH mode.
package main

import (
	"fmt"
	"os"

	"github.com/smallstep/certificates/commands"
	"github.com/urfave/cli"
	"go.step.sm/cli-utils/step"

	// The key manager and certificate authority service a plain ca.json uses.
	_ "github.com/smallstep/certificates/cas/softcas"
	_ "github.com/smallstep/certificates/kms/softkms"
)

// Version is what `step-ca version` and the CA's /version report.
const Version = "0.19.0-debian"

func main() {
	step.Set("Smallstep CA", Version, "")

	app := cli.NewApp()
	app.Name = "step-ca"
	app.HelpName = "step-ca"
	app.Usage = "an online certificate authority for secure automated certificate management"
	app.UsageText = commands.AppCommand.UsageText
	app.Version = Version
	app.Flags = commands.AppCommand.Flags
	app.Action = commands.AppCommand.Action
	app.Commands = []cli.Command{}

	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
