// pulumi-tfgen-docker writes the Pulumi package schema of the stand-in docker provider (the bridged Terraform
// resources, from the Terraform schema only: no upstream docs are looked up) to the file named by its one
// argument. build-docker-provider.sh runs it and embeds the result in pulumi-resource-docker.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"

	"eth-node-e2e/providers/docker/provider"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-tfgen-docker <schema.json>")
		os.Exit(2)
	}
	sink := diag.DefaultSink(os.Stderr, os.Stderr, diag.FormatOptions{Color: colors.Never})
	res, err := tfgen.GenerateSchemaWithOptions(tfgen.GenerateSchemaOptions{
		ProviderInfo:    provider.Provider(),
		DiagnosticsSink: sink,
		XInMemoryDocs:   true,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "schema generation failed:", err)
		os.Exit(1)
	}
	spec := res.PackageSpec
	provider.AddNativeSchema(&spec)
	out, err := json.MarshalIndent(spec, "", "    ")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[1], append(out, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
