package main

import (
	"errors"
	"fmt"
	"os"

	"leakwatch/config"
)

// Where the config is when --config does not say.
const (
	configEnv     = config.Env
	defaultConfig = config.DefaultPath
)

// configPath is the config file a command reads: --config, else
// $LEAKWATCH_CONFIG, else /etc/watcher/config.yaml.
func (g *globals) configPath() string {
	if g.config != "" {
		return g.config
	}
	if p := os.Getenv(configEnv); p != "" {
		return p
	}
	return defaultConfig
}

// loadConfig loads the config for the command what; any problem with it
// is a usage error (exit status 2).
func (g *globals) loadConfig(what string) (*config.Config, error) {
	path := g.configPath()
	if g.config == "" && os.Getenv(configEnv) == "" {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, usageError{fmt.Errorf("%s needs a config: --config FILE, or %s, or %s (there is none)", what, configEnv, defaultConfig)}
		}
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, usageError{err}
	}
	return cfg, nil
}
