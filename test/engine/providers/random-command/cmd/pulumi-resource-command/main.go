// Command pulumi-resource-command is eth-node's stand-in command provider plugin (see internal/command and
// NOTES.md); build-providers.sh stamps the version the npm SDK requests into main.version.
package main

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"eth-node/test/engine/providers/random-command/internal/command"
)

var version = "0.0.0-dev"

func main() {
	err := provider.Main("command", func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		p, err := command.New(version, func(ctx context.Context, urn resource.URN, line string) {
			_ = host.LogStatus(ctx, diag.Info, urn, line)
		})
		if err != nil {
			return nil, err
		}
		return plugin.NewProviderServer(p), nil
	})
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
}
