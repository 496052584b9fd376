package command

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

var ctx = context.Background()

const urn = resource.URN("urn:pulumi:s::p::command:local:Command::probe")

type logLines struct {
	mu    sync.Mutex
	lines []string
}

func newProvider(t *testing.T) (*Provider, *logLines) {
	t.Helper()
	logs := &logLines{}
	p, err := New("1.2.1", func(_ context.Context, _ resource.URN, line string) {
		logs.mu.Lock()
		defer logs.mu.Unlock()
		logs.lines = append(logs.lines, line)
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, logs
}

func pm(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

func TestCreateAsTheProgramUsesIt(t *testing.T) {
	p, logs := newProvider(t)
	in := pm(map[string]any{
		"create":      `printf '{"v":"%s"}\n' "$PROBE"; echo warn >&2`,
		"interpreter": []any{"/bin/sh", "-c"},
		"environment": map[string]any{"PROBE": "x1"},
		"triggers":    []any{"a", 1},
	})
	pre, err := p.Create(ctx, plugin.CreateRequest{URN: urn, Name: "probe", Type: CommandType, Properties: in, Preview: true})
	if err != nil || !pre.Properties["stdout"].IsComputed() || !pre.Properties["stderr"].IsComputed() {
		t.Fatalf("preview: %v %v, want unknown stdout/stderr", pre.Properties, err)
	}
	resp, err := p.Create(ctx, plugin.CreateRequest{URN: urn, Name: "probe", Type: CommandType, Properties: in})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Properties["stdout"].StringValue(); got != `{"v":"x1"}` {
		t.Errorf("stdout %q", got)
	}
	if got := resp.Properties["stderr"].StringValue(); got != "warn" {
		t.Errorf("stderr %q", got)
	}
	if !strings.HasPrefix(string(resp.ID), "probe") || len(resp.ID) != len("probe")+8 {
		t.Errorf("ID %q, want probe + 8 hex digits", resp.ID)
	}
	if !resp.Properties["environment"].DeepEquals(in["environment"]) || !resp.Properties["triggers"].DeepEquals(in["triggers"]) {
		t.Error("the state does not mirror the inputs")
	}
	if len(logs.lines) != 2 {
		t.Errorf("logged %q, want stdout and stderr", logs.lines)
	}

	diff := func(news resource.PropertyMap) plugin.DiffResult {
		t.Helper()
		d, err := p.Diff(ctx, plugin.DiffRequest{URN: urn, Type: CommandType, OldInputs: in, OldOutputs: resp.Properties, NewInputs: news})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := diff(in); d.Changes != plugin.DiffNone {
		t.Errorf("same inputs: %+v", d)
	}
	changed := in.Copy()
	changed["environment"] = resource.NewObjectProperty(pm(map[string]any{"PROBE": "x2"}))
	if d := diff(changed); d.Changes != plugin.DiffSome || d.DetailedDiff["environment.PROBE"].Kind != plugin.DiffUpdate {
		t.Errorf("environment change: %+v, want an in-place update", d)
	}
	triggered := in.Copy()
	triggered["triggers"] = resource.NewArrayProperty([]resource.PropertyValue{resource.NewStringProperty("b"), resource.NewNumberProperty(1)})
	if d := diff(triggered); d.Changes != plugin.DiffSome || d.DetailedDiff["triggers[0]"].Kind != plugin.DiffUpdateReplace {
		t.Errorf("triggers change: %+v, want a replacement", d)
	}

	// Update preview: an input changed, so stdout is unknown; the update itself re-runs create (no update set).
	up, err := p.Update(ctx, plugin.UpdateRequest{URN: urn, Type: CommandType, OldOutputs: resp.Properties, NewInputs: changed, Preview: true})
	if err != nil || !up.Properties["stdout"].IsComputed() {
		t.Errorf("update preview: %v %v, want unknown stdout", up.Properties["stdout"], err)
	}
	up, err = p.Update(ctx, plugin.UpdateRequest{URN: urn, Type: CommandType, OldOutputs: resp.Properties, NewInputs: changed})
	if err != nil || up.Properties["stdout"].StringValue() != `{"v":"x2"}` {
		t.Errorf("update: %v %v, want create re-run with the new environment", up.Properties["stdout"], err)
	}
}

func TestUpdateAndDeleteCommands(t *testing.T) {
	p, _ := newProvider(t)
	dir := t.TempDir()
	in := pm(map[string]any{
		"create": "echo created",
		"update": `echo "updated after $PULUMI_COMMAND_STDOUT"`,
		"delete": `echo "deleted after $PULUMI_COMMAND_STDOUT" > gone`,
		"dir":    dir,
	})
	resp, err := p.Create(ctx, plugin.CreateRequest{URN: urn, Name: "probe", Type: CommandType, Properties: in})
	if err != nil {
		t.Fatal(err)
	}
	news := in.Copy()
	news["stdin"] = resource.NewStringProperty("ignored")
	up, err := p.Update(ctx, plugin.UpdateRequest{URN: urn, Type: CommandType, OldOutputs: resp.Properties, NewInputs: news})
	if err != nil || up.Properties["stdout"].StringValue() != "updated after created" {
		t.Fatalf("update: %v %v", up.Properties["stdout"], err)
	}
	if _, err := p.Delete(ctx, plugin.DeleteRequest{URN: urn, Type: CommandType, ID: "x", Outputs: up.Properties}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "gone"))
	if err != nil || string(b) != "deleted after updated after created\n" {
		t.Errorf("delete wrote %q (%v)", b, err)
	}
}

func TestFailureAndCheck(t *testing.T) {
	p, _ := newProvider(t)
	_, err := p.Create(ctx, plugin.CreateRequest{URN: urn, Name: "probe", Type: CommandType,
		Properties: pm(map[string]any{"create": "echo boom; exit 3"})})
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing command: %v, want the exit status and output", err)
	}
	for name, c := range map[string]struct {
		in   map[string]any
		fail string
	}{
		"ok":          {map[string]any{"create": "true", "logging": "none"}, ""},
		"logging":     {map[string]any{"create": "true", "logging": "all"}, "logging"},
		"interpreter": {map[string]any{"interpreter": "/bin/sh"}, "interpreter"},
		"environment": {map[string]any{"environment": map[string]any{"A": true}}, "environment"},
		"assets":      {map[string]any{"assetPaths": []any{"*.txt"}}, "assetPaths"},
	} {
		resp, err := p.Check(ctx, plugin.CheckRequest{URN: urn, Type: CommandType, News: pm(c.in)})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if len(resp.Failures) > 0 {
			got = string(resp.Failures[0].Property)
		}
		if got != c.fail {
			t.Errorf("%s: failures %+v, want one on %q", name, resp.Failures, c.fail)
		}
	}
}
