package main

// The command-line half of the truth data: Go's flag package (the parser NTH's
// main uses) run on argument lists, so src/config/argv.ts can be checked
// against what NTH itself accepts (test/e2e/go-truth.test.ts).

import (
	"encoding/json"
	"flag"
	"io"
	"os"
	"strconv"
)

type flagSpec struct {
	Name    string `json:"name"`
	Boolean bool   `json:"boolean"`
}

type flagCases struct {
	Flags []flagSpec `json:"flags"`
	Cases [][]string `json:"cases"`
}

type flagResult struct {
	Args  []string          `json:"args"`
	Flags map[string]string `json:"flags"`
	Rest  []string          `json:"rest"`
	Error string            `json:"error"`
}

// rawValue keeps the text a flag was given, as nth's parser does; a boolean
// flag still rejects what strconv.ParseBool rejects, as flag.Bool does.
type rawValue struct {
	text    *string
	boolean bool
}

func (r rawValue) String() string {
	if r.text == nil {
		return ""
	}
	return *r.text
}

func (r rawValue) Set(s string) error {
	if r.boolean {
		if _, err := strconv.ParseBool(s); err != nil {
			return err
		}
	}
	*r.text = s
	return nil
}

func (r rawValue) IsBoolFlag() bool { return r.boolean }

func runFlagCases(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var input flagCases
	if err := json.Unmarshal(data, &input); err != nil {
		return err
	}
	results := make([]flagResult, 0, len(input.Cases))
	for _, args := range input.Cases {
		fs := flag.NewFlagSet("nth", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		texts := map[string]*string{}
		for _, spec := range input.Flags {
			text := new(string)
			texts[spec.Name] = text
			fs.Var(rawValue{text: text, boolean: spec.Boolean}, spec.Name, "")
		}
		result := flagResult{Args: args, Flags: map[string]string{}, Rest: []string{}}
		if err := fs.Parse(args); err != nil {
			result.Error = err.Error()
		}
		fs.Visit(func(f *flag.Flag) { result.Flags[f.Name] = *texts[f.Name] })
		result.Rest = append(result.Rest, fs.Args()...)
		results = append(results, result)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", " ")
	return out.Encode(results)
}
