// Command bench-template-go times what upstream NTH does to render a webhook
// body, for bench/template.ts to print beside nth's engine: the exact call
// NTH makes (template.New("message").Funcs(sprig.TxtFuncMap()).Parse, then
// Execute into a buffer) on NTH's default template, with a struct of the
// fields monitor.InterruptionEvent has. Prints one JSON line per measure.
//
//	go run . -runs 20000
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"text/template"
	"time"

	"github.com/Masterminds/sprig/v3"
)

// interruptionEvent mirrors the fields of NTH v1.25.6's monitor.InterruptionEvent that a template can read.
type interruptionEvent struct {
	EventID              string
	Kind                 string
	Monitor              string
	Description          string
	State                string
	AutoScalingGroupName string
	NodeName             string
	IsManaged            bool
	InstanceID           string
	InstanceType         string
	ProviderID           string
	IsManagedByASG       bool
	Pods                 []string
	NodeLabels           map[string]string
	StartTime            time.Time
	EndTime              time.Time
	NodeProcessed        bool
	InProgress           bool
}

const defaultTemplate = `{"text":"[NTH][Instance Interruption] EventID: {{ .EventID }} - Kind: {{ .Kind }} - Instance: {{ .InstanceID }} - Node: {{ .NodeName }} - Description: {{ .Description }} - Start Time: {{ .StartTime }}"}`

func measure(label string, runs int, once func()) {
	warm := runs
	if warm > 1000 {
		warm = 1000
	}
	for i := 0; i < warm; i++ {
		once()
	}
	started := time.Now()
	for i := 0; i < runs; i++ {
		once()
	}
	perRunUs := float64(time.Since(started).Nanoseconds()) / float64(runs) / 1000
	line, _ := json.Marshal(map[string]any{"label": label, "usPerRun": perRunUs, "runs": runs})
	os.Stdout.Write(append(line, '\n'))
}

func main() {
	runs := flag.Int("runs", 20000, "timed runs per measure")
	flag.Parse()
	start, _ := time.Parse(time.RFC3339, "2024-01-02T03:04:05Z")
	event := interruptionEvent{
		EventID:     "spot-itn-0123456789abcdef",
		Kind:        "SPOT_ITN",
		InstanceID:  "i-0123456789abcdef0",
		NodeName:    "ip-10-0-0-1.ec2.internal",
		Description: "Spot ITN received. Instance will be interrupted at 2024-01-02T03:04:05Z",
		StartTime:   start,
	}
	render := func(tpl *template.Template) {
		var buffer bytes.Buffer
		if err := tpl.Execute(&buffer, event); err != nil {
			panic(err)
		}
	}
	measure("parse + execute (default)", *runs, func() {
		render(template.Must(template.New("message").Funcs(sprig.TxtFuncMap()).Parse(defaultTemplate)))
	})
	parsed := template.Must(template.New("message").Funcs(sprig.TxtFuncMap()).Parse(defaultTemplate))
	measure("execute only (default)", *runs, func() { render(parsed) })
}
