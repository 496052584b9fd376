package provider

import (
	pschema "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// The native docker:index/image:Image of @pulumi/docker 5.x (not a Terraform resource): its schema, with the
// SDK's names (image.js, types/input.d.ts DockerBuild / CacheFrom / Registry, types/enums BuilderVersion).
const (
	dockerBuildTok    = "docker:index/dockerBuild:DockerBuild"
	cacheFromTok      = "docker:index/cacheFrom:CacheFrom"
	registryTok       = "docker:index/registry:Registry"
	builderVersionTok = "docker:index/builderVersion:BuilderVersion"
)

func str(desc string) pschema.PropertySpec {
	return pschema.PropertySpec{TypeSpec: pschema.TypeSpec{Type: "string"}, Description: desc}
}

func ref(tok, desc string) pschema.PropertySpec {
	return pschema.PropertySpec{TypeSpec: pschema.TypeSpec{Ref: "#/types/" + tok}, Description: desc}
}

func strings_(desc string) pschema.PropertySpec {
	return pschema.PropertySpec{TypeSpec: pschema.TypeSpec{Type: "array", Items: &pschema.TypeSpec{Type: "string"}}, Description: desc}
}

// AddNativeSchema adds the resources the stand-in implements itself (not through the bridge) to the schema.
func AddNativeSchema(spec *pschema.PackageSpec) {
	if spec.Types == nil {
		spec.Types = map[string]pschema.ComplexTypeSpec{}
	}
	spec.Types[builderVersionTok] = pschema.ComplexTypeSpec{
		ObjectTypeSpec: pschema.ObjectTypeSpec{Type: "string", Description: "The version of the Docker builder."},
		Enum: []pschema.EnumValueSpec{
			{Name: "BuilderV1", Value: "BuilderV1", Description: "The first generation builder for Docker Daemon"},
			{Name: "BuilderBuildKit", Value: "BuilderBuildKit", Description: "The builder based on moby/buildkit project"},
		},
	}
	spec.Types[cacheFromTok] = pschema.ComplexTypeSpec{ObjectTypeSpec: pschema.ObjectTypeSpec{
		Type: "object", Description: "Specifies information about where to obtain a cache",
		Properties: map[string]pschema.PropertySpec{"images": strings_("Specifies cached images")},
	}}
	spec.Types[registryTok] = pschema.ComplexTypeSpec{ObjectTypeSpec: pschema.ObjectTypeSpec{
		Type: "object", Description: "Describes a Docker container registry",
		Properties: map[string]pschema.PropertySpec{
			"server":   str("The URL of the Docker registry server"),
			"username": str("The username to authenticate to the registry. Does not cause image rebuild when changed."),
			"password": {TypeSpec: pschema.TypeSpec{Type: "string"}, Secret: true,
				Description: "The password to authenticate to the registry. Does not cause image rebuild when changed."},
		},
	}}
	spec.Types[dockerBuildTok] = pschema.ComplexTypeSpec{ObjectTypeSpec: pschema.ObjectTypeSpec{
		Type: "object", Description: "The Docker build context",
		Properties: map[string]pschema.PropertySpec{
			"addHosts": strings_("Custom host-to-IP mappings to use while building (format: \"host:ip\")"),
			"args": {TypeSpec: pschema.TypeSpec{Type: "object", AdditionalProperties: &pschema.TypeSpec{Type: "string"}},
				Description: "An optional map of named build-time argument variables to set during the Docker build."},
			"builderVersion": ref(builderVersionTok, "The version of the Docker builder (default BuilderBuildKit)."),
			"cacheFrom":      ref(cacheFromTok, "A list of image names to use as build cache."),
			"context":        str("The path to the build context to use (default \".\")."),
			"dockerfile":     str("The path to the Dockerfile to use (default <context>/Dockerfile)."),
			"network":        str("Set the networking mode for RUN instructions"),
			"platform":       str("The architecture of the platform you want to build this image for, e.g. `linux/arm64`."),
			"target":         str("The target of the Dockerfile to build"),
		},
	}}
	outputs := map[string]pschema.PropertySpec{
		"baseImageName":  str("The fully qualified image name that was pushed to the registry."),
		"context":        str("The path to the build context to use."),
		"dockerfile":     str("The location of the Dockerfile relative to the docker build context."),
		"imageName":      str("The fully qualified image name"),
		"platform":       str("The image's architecture and OS"),
		"registryServer": str("The name of the registry server hosting the image."),
		"repoDigest": str("The digest of the manifest pushed to the registry; for a local image (skipPush) the " +
			"image ID of the built image, `sha256:<hash>`."),
	}
	spec.Resources[ImageToken] = pschema.ResourceSpec{
		ObjectTypeSpec: pschema.ObjectTypeSpec{
			Description: "Builds a Docker image with the Docker Engine the provider talks to (the stand-in's " +
				"native resource, like the published plugin's: not a Terraform resource).",
			Type:       "object",
			Properties: outputs,
			Required:   []string{"baseImageName", "context", "dockerfile", "imageName", "registryServer", "repoDigest"},
		},
		InputProperties: map[string]pschema.PropertySpec{
			"build": ref(dockerBuildTok, "The Docker build context"),
			"buildOnPreview": {TypeSpec: pschema.TypeSpec{Type: "boolean"}, Default: false,
				Description: "A flag to build an image on preview"},
			"imageName": str("The image name, of the format repository[:tag], e.g. `docker.io/username/demo-image:v1`."),
			"registry":  ref(registryTok, "The registry to push the image to"),
			"skipPush": {TypeSpec: pschema.TypeSpec{Type: "boolean"}, Default: false,
				Description: "A flag to skip a registry push (the stand-in only builds: it must be true)."},
		},
		RequiredInputs: []string{"imageName"},
		Aliases:        []pschema.AliasSpec{{Type: "docker:image:Image"}},
	}
}
