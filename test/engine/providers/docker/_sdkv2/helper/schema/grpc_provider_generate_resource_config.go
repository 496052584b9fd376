// Added by build-docker-provider.sh to its working copy of Pulumi's terraform-plugin-sdk/v2 fork
// (github.com/pulumi/terraform-plugin-sdk/v2, based on upstream 2.38.1, written against terraform-plugin-go
// v0.29.0). The Terraform docker provider requires terraform-plugin-go v0.31.0, whose tfprotov5.ProviderServer
// has one more method, GenerateResourceConfig (Terraform's config generation from state, `terraform query`);
// without it the fork's helper/schema does not compile:
//   *GRPCProviderServer does not implement tfprotov5.ProviderServer (missing method GenerateResourceConfig)
// The Pulumi bridge never calls it, so it answers as the fork does for other unsupported calls: an error
// diagnostic. Not a copy of upstream's implementation (2.40's generates config from state).

package schema

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
)

func (s *GRPCProviderServer) GenerateResourceConfig(ctx context.Context, req *tfprotov5.GenerateResourceConfigRequest) (*tfprotov5.GenerateResourceConfigResponse, error) {
	return &tfprotov5.GenerateResourceConfigResponse{
		Diagnostics: []*tfprotov5.Diagnostic{
			{
				Severity: tfprotov5.DiagnosticSeverityError,
				Summary:  "Generating resource configuration is not supported",
				Detail:   fmt.Sprintf("This build of the SDK (Pulumi's fork, patched for the eth-node engine tests) cannot generate configuration for %q.", req.TypeName),
			},
		},
	}, nil
}
