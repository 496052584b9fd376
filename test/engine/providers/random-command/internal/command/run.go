package command

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"eth-node/test/engine/providers/random-command/internal/props"
)

// result is what a run leaves in the state.
type result struct{ stdout, stderr string }

func resultOf(state resource.PropertyMap) result {
	out, _ := props.GetString(state, "stdout")
	errOut, _ := props.GetString(state, "stderr")
	return result{out, errOut}
}

func (r result) into(m resource.PropertyMap) {
	m["stdout"], m["stderr"] = resource.NewStringProperty(r.stdout), resource.NewStringProperty(r.stderr)
}

// lockedBuffer is the combined stdout+stderr for error messages (both streams write to it concurrently).
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// run runs command with the inputs' interpreter, dir, environment and stdin; prev is the previous run's
// result, passed as PULUMI_COMMAND_STDOUT/PULUMI_COMMAND_STDERR unless addPreviousOutputInEnv is false.
func (p *Provider) run(ctx context.Context, urn resource.URN, command string, in resource.PropertyMap, prev result) (result, error) {
	args := props.GetStrings(in, "interpreter")
	if len(args) == 0 {
		args = []string{"/bin/sh", "-c"}
	}
	args = append(args, command)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...) //nolint:gosec // running the user's command is the point

	if dir, ok := props.GetString(in, "dir"); ok {
		cmd.Dir = dir
	} else {
		wd, err := os.Getwd()
		if err != nil {
			return result{}, err
		}
		cmd.Dir = wd
	}
	cmd.Env = os.Environ()
	for _, kv := range props.GetStringMap(in, "environment") {
		cmd.Env = append(cmd.Env, kv[0]+"="+kv[1])
	}
	if props.GetBool(in, "addPreviousOutputInEnv", true) {
		if prev.stdout != "" {
			cmd.Env = append(cmd.Env, "PULUMI_COMMAND_STDOUT="+prev.stdout)
		}
		if prev.stderr != "" {
			cmd.Env = append(cmd.Env, "PULUMI_COMMAND_STDERR="+prev.stderr)
		}
	}
	if stdin, ok := props.GetString(in, "stdin"); ok && stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}

	logging, ok := props.GetString(in, "logging")
	if !ok {
		logging = "stdoutAndStderr"
	}
	var stdout, stderr bytes.Buffer
	var combined lockedBuffer
	logR, logW := io.Pipe()
	outWriters := []io.Writer{&stdout, &combined}
	errWriters := []io.Writer{&stderr, &combined}
	if logging == "stdout" || logging == "stdoutAndStderr" {
		outWriters = append(outWriters, logW)
	}
	if logging == "stderr" || logging == "stdoutAndStderr" {
		errWriters = append(errWriters, logW)
	}
	// One writer for both streams into the pipe: MultiWriter calls are not concurrent-safe on their own.
	var pipeMu sync.Mutex
	lock := func(ws []io.Writer) io.Writer {
		return writerFunc(func(b []byte) (int, error) {
			pipeMu.Lock()
			defer pipeMu.Unlock()
			return io.MultiWriter(ws...).Write(b)
		})
	}
	cmd.Stdout, cmd.Stderr = lock(outWriters), lock(errWriters)

	logged := make(chan struct{})
	go func() {
		defer close(logged)
		sc := bufio.NewScanner(logR)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			p.log(ctx, urn, sc.Text())
		}
		_, _ = io.Copy(io.Discard, logR) // a line too long for the scanner must not block the command
	}()
	err := cmd.Run()
	_ = logW.Close()
	<-logged
	if err != nil {
		return result{}, fmt.Errorf("%w: running %q:\n%s", err, command, combined.buf.String())
	}
	return result{strings.TrimSuffix(stdout.String(), "\n"), strings.TrimSuffix(stderr.String(), "\n")}, nil
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
