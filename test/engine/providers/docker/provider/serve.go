package provider

import (
	pschema "github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
)

// AddNativeSchema adds the resources the stand-in implements itself (not through the bridge) to the schema:
// none yet (docker:index/image:Image is not implemented in this build).
func AddNativeSchema(spec *pschema.PackageSpec) {}

// Serve runs the plugin: the bridged Terraform provider, with the given (embedded) schema.
func Serve(schema []byte) {
	tfbridge.Main(Package, Version, Provider(), schema)
}
