// Command pulumi-resource-random is eth-node's stand-in random provider plugin (see internal/random and
// NOTES.md); build-providers.sh stamps the version the npm SDK requests into main.version.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"eth-node/test/engine/providers/random-command/internal/random"
)

var version = "0.0.0-dev"

func main() {
	err := provider.Main("random", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		p, err := random.New(version)
		if err != nil {
			return nil, err
		}
		return plugin.NewProviderServer(p), nil
	})
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
}
