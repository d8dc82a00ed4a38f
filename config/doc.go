// Package config is the watcher's YAML configuration: the schema
// (config.example.yaml documents it), its defaults, a strict decoding
// that names the line and column of every problem, the checks of every
// section, and the secret files it points to.
//
// Load returns every problem of a file at once, each as
// "FILE:LINE:COLUMN: field: message": an unknown field, a value of the
// wrong kind, a bad duration and a failed check alike. Packages take
// plain option structs; the composition root maps a Config to them.
package config
