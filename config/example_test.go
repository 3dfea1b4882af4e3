package config_test

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"tickertalk/config"
)

func ExampleParse() {
	getenv := func(k string) string {
		return map[string]string{"TICKERTALK_ADDR": ":9000", "TICKERTALK_TICK": "500ms"}[k]
	}
	cfg, err := config.Parse([]string{"--tick=250ms", "--symbols=ACME,GLOBEX"}, getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return // the usage is on stderr: exit 0
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Addr, cfg.Tick, cfg.Symbols)

	_, err = config.Parse(nil, func(string) string { return "soon" }, os.Stderr)
	fmt.Println(err)
	// Output:
	// :9000 250ms [ACME GLOBEX]
	// invalid value "soon" for --addr (env TICKERTALK_ADDR), from the environment: must be host:port, such as :8000 or 127.0.0.1:8000
}
