package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/pilotlight-dr/pilotlight/internal/progress"
	"github.com/pilotlight-dr/pilotlight/sinks"
)

func (a *app) sinkLsCmd() *cobra.Command {
	var long, asJSON bool
	c := &cobra.Command{
		Use:   "ls URL",
		Short: "List the objects under a sink URL",
		Long: `Lists every object under the URL's prefix, in key order, following
pagination. --long adds modification time, size and SHA-256; --json prints
a JSON array of {key, size, mod_time, sha256} (streamed: constant memory).`,
		Example: `  pilotlight sink ls s3://dr-backups/orders?region=eu-west-1
  pilotlight sink ls --long file:///var/lib/pilotlight
  pilotlight sink ls --json gs://dr-backups/orders | jq '.[].key'`,
		Args: exactArgs(1, "sink ls needs exactly one sink URL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.openSink(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer s.Close()
			var count, total int64
			if asJSON {
				fmt.Fprint(a.out, "[")
			}
			err = s.List(cmd.Context(), "", func(o sinks.Object) error {
				count++
				total += o.Size
				switch {
				case asJSON:
					b, err := json.Marshal(o)
					if err != nil {
						return err
					}
					sep := ",\n  "
					if count == 1 {
						sep = "\n  "
					}
					_, err = fmt.Fprint(a.out, sep+string(b))
					return err
				case long:
					sum := "-"
					if o.SHA256 != "" {
						sum = o.SHA256[:16]
					}
					_, err := fmt.Fprintf(a.out, "%s  %12d  %-16s  %s\n", o.ModTime.UTC().Format(time.RFC3339), o.Size, sum, o.Key)
					return err
				default:
					_, err := fmt.Fprintln(a.out, o.Key)
					return err
				}
			})
			if err != nil {
				return err // the backend's error names the operation and the sink
			}
			switch {
			case asJSON && count == 0:
				fmt.Fprintln(a.out, "]")
			case asJSON:
				fmt.Fprintln(a.out, "\n]")
			case long:
				fmt.Fprintf(a.out, "%d objects, %s (%d bytes)\n", count, progress.Bytes(total), total)
			}
			return nil
		},
	}
	c.Flags().BoolVarP(&long, "long", "l", false, "show time, size and SHA-256 prefix, and a total")
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return c
}

// exactArgs is cobra.ExactArgs with a message that says what is missing.
func exactArgs(n int, msg string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s (got %d arguments)", msg, len(args))
		}
		return nil
	}
}
