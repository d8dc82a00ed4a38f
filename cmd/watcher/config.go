package main

import (
	"leakwatch/config"
)

// loadConfig loads a config file; any problem with it is a usage error
// (exit status 2).
func loadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, usageError{err}
	}
	return cfg, nil
}
