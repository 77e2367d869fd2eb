# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tenantctl_global_optspecs
    string join \n config= api-url= org= o/output= v/verbose q/quiet y/yes no-input local dry-run retry-budget= role= h/help V/version
end

function __fish_tenantctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tenantctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tenantctl_using_subcommand
    set -l cmd (__fish_tenantctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tenantctl -n "__fish_tenantctl_needs_command" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_needs_command" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_needs_command" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_needs_command" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_needs_command" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "provision" -d 'Create a tenant: app, volume, secrets, machine, certificates, then run hooks'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "upgrade" -d 'Re-render tenants\' fly.toml from the current templates and roll it out'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "deploy" -d 'Roll a new image out to tenants'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "plan" -d 'Show how the fleet differs from the fleet file (fleet.toml)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "apply" -d 'Make the fleet what the fleet file says, in waves'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "backup" -d 'Back up tenants to S3-compatible storage; list, verify, restore, prune'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "snapshot" -d 'Take a Fly snapshot of a tenant\'s volume and wait until it is created'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "destroy" -d 'Destroy a tenant\'s app, machines and volumes'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "logs" -d 'Show a tenant\'s logs'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "audit" -d 'Show the audit trail: who changed which tenant, when, and how it ended'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "status" -d 'Show a tenant\'s app, machine, volume and health'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "list" -d 'List tenants'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "render" -d 'Print a tenant\'s rendered fly.toml, or the machine config a fly.toml becomes'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "man" -d 'Print the man page (roff)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l tier -d 'Tier from tenantctl.toml, e.g. pro (asked for on a terminal when missing)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l region -d 'Fly region [default: `region` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l domain -d 'Custom domain to attach (repeatable)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l image -d 'Image to run [default: `image` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l tier -d 'Move the tenant(s) to this tier (up or down) [fleet default: each stays on its tier]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l from-tier -d 'Only tenants now on this tier' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l tenants -d 'These tenants, comma-separated, in this order (the first ones are the canaries)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l tenants-file -d 'Tenants listed in a file, one id per line (# comments)' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l shard -d 'Only shard i of n (e.g. 2/4); every tenant is in exactly one shard' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l canary -d 'Tenants in the canary wave; any canary failure halts the rollout' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l concurrency -d 'Tenants changed at the same time after the canaries' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l max-failures -d 'Halt once more tenants than this fail: a count or a percentage (10%)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l hold-back -d 'Keep these tenants as they are (comma-separated)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l force-protected -d 'Also move a tenant down from a protected tier'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l all -d 'Every tenant of the org'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand upgrade" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l image -d 'Image to deploy [default: `image` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l tier -d 'Only tenants on this tier' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l tenants -d 'These tenants, comma-separated, in this order (the first ones are the canaries)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l tenants-file -d 'Tenants listed in a file, one id per line (# comments)' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l shard -d 'Only shard i of n (e.g. 2/4); every tenant is in exactly one shard' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l canary -d 'Tenants in the canary wave; any canary failure halts the rollout' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l concurrency -d 'Tenants changed at the same time after the canaries' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l max-failures -d 'Halt once more tenants than this fail: a count or a percentage (10%)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l hold-back -d 'Keep these tenants as they are (comma-separated)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l all -d 'Every tenant of the org'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand deploy" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -l fleet -d 'The fleet file or folder [default: fleet.toml, else fleet/, beside tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -l shard -d 'Only shard i of n (e.g. 2/4) of the file\'s tenants' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -l markdown -d 'Also write the plan as Markdown to this file (for a pull request comment)' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -l detailed-exitcode -d 'Exit 0 when nothing would change, 2 when something would, 1 on error'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand plan" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l fleet -d 'The fleet file or folder [default: fleet.toml, else fleet/, beside tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l shard -d 'Only shard i of n (e.g. 2/4) of the file\'s tenants' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l canary -d 'Tenants in the canary wave; any canary failure halts the rollout' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l concurrency -d 'Tenants changed at the same time after the canaries' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l max-failures -d 'Halt once more tenants than this fail: a count or a percentage (10%)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l hold-back -d 'Keep these tenants as they are (comma-separated)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l confirm-prune -d 'With --prune and --yes: the tenants to prune, repeated (comma-separated)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l prune -d 'Also destroy the tenants that are in Fly but not in the fleet file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l skip-final-backup -d 'With --prune: destroy without the final backup of tenants with backups'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand apply" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -l tier -d 'Only tenants on this tier' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -l tenants -d 'These tenants, comma-separated, in this order (the first ones are the canaries)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -l tenants-file -d 'Tenants listed in a file, one id per line (# comments)' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -l shard -d 'Only shard i of n (e.g. 2/4); every tenant is in exactly one shard' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -l concurrency -d 'Tenants backed up at the same time' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -l all -d 'Every tenant of the org'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -a "list" -d 'List a tenant\'s backups and Fly volume snapshots, newest first'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -a "verify" -d 'Download a backup, check every object against its manifest'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -a "restore" -d 'Restore a backup (or a Fly snapshot) into a tenant'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -a "prune" -d 'Remove backups beyond the retention, for every tenant in the bucket'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list verify restore prune help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -l to-tenant -d 'Restore into this tenant instead (on the same tier): the restore drill' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -l from-snapshot -d 'Restore a Fly volume snapshot instead: a new volume from it, the machine moved onto it' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -l confirm -d 'The target tenant id again: with --yes, confirms without a prompt' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from restore" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from prune" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from prune" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from prune" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from prune" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from prune" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from prune" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from prune" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from prune" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from prune" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from prune" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from prune" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from prune" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "list" -d 'List a tenant\'s backups and Fly volume snapshots, newest first'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Download a backup, check every object against its manifest'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Restore a backup (or a Fly snapshot) into a tenant'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove backups beyond the retention, for every tenant in the bucket'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -l tier -d 'Only tenants on this tier' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -l tenants -d 'These tenants, comma-separated, in this order (the first ones are the canaries)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -l tenants-file -d 'Tenants listed in a file, one id per line (# comments)' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -l shard -d 'Only shard i of n (e.g. 2/4); every tenant is in exactly one shard' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -l concurrency -d 'Tenants snapshotted at the same time' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -l all -d 'Every tenant of the org'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand snapshot" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -l confirm -d 'The tenant id again: with --yes, confirms without a prompt (for scripts and CI)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -l force-protected -d 'Also destroy a tenant whose tier is protected'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -l skip-final-backup -d 'Destroy without the final backup a tenant with backups gets first'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand destroy" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -l since -d 'Only lines newer than this, e.g. 10m or 2h' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -l region -d 'Only lines from this region' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -l machine -d 'Only lines from this machine id' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -s f -l follow -d 'Keep printing new lines until Ctrl-C'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand logs" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -l since -d 'Only records since a date (2026-01-02), an RFC 3339 time, or an age (24h, 7d)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -l source -d 'Sinks to read: all (the file, and the bucket when configured), file or bucket' -r -f -a "all\t''
file\t''
bucket\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand audit" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l tier -d 'Only tenants on this tier' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l tenants -d 'These tenants, comma-separated, in this order (the first ones are the canaries)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l tenants-file -d 'Tenants listed in a file, one id per line (# comments)' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l shard -d 'Only shard i of n (e.g. 2/4); every tenant is in exactly one shard' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l all -d 'Every tenant of the org'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -l tier -d 'Only tenants on this tier' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand list" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -l tier -d 'Tier whose template to render (asked for on a terminal when missing)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -l region -d 'Region [default: `region` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -l image -d 'Image [default: `image` in tenantctl.toml; for --file, the fly.toml\'s own]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -l file -d 'Convert this fly.toml instead of rendering a template (`-` reads stdin)' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -l group -d 'Only this process group [default: all groups, as an object group → config]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -l machine-config -d 'Print the Machines API machine config instead of fly.toml'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand render" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand man" -l config -d 'Path to tenantctl.toml [default: found by walking up from the current directory]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand man" -l api-url -d 'Machines API base URL [default: https://api.machines.dev]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand man" -l org -d 'Fly organization slug [default: `org` in tenantctl.toml]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand man" -s o -l output -d 'Format of results on stdout; json is the stable contract (docs/json.md)' -r -f -a "table\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand man" -l retry-budget -d 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand man" -l role -d 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]' -r -f -a "operator\t'May run every command'
support\t'Read-only: status, list, logs, render, audit, completions and `--dry-run` plans'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand man" -s v -l verbose -d 'More detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand man" -s q -l quiet -d 'Only errors on stderr'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand man" -s y -l yes -d 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand man" -l no-input -d 'Never prompt; fail with a hint instead'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand man" -l local -d 'Run against the built-in local Machines API emulator'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand man" -l dry-run -d 'Show what would change without changing anything'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand man" -s h -l help -d 'Print help'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand man" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "provision" -d 'Create a tenant: app, volume, secrets, machine, certificates, then run hooks'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "upgrade" -d 'Re-render tenants\' fly.toml from the current templates and roll it out'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "deploy" -d 'Roll a new image out to tenants'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "plan" -d 'Show how the fleet differs from the fleet file (fleet.toml)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "apply" -d 'Make the fleet what the fleet file says, in waves'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "backup" -d 'Back up tenants to S3-compatible storage; list, verify, restore, prune'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "snapshot" -d 'Take a Fly snapshot of a tenant\'s volume and wait until it is created'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "destroy" -d 'Destroy a tenant\'s app, machines and volumes'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "logs" -d 'Show a tenant\'s logs'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "audit" -d 'Show the audit trail: who changed which tenant, when, and how it ended'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "status" -d 'Show a tenant\'s app, machine, volume and health'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "list" -d 'List tenants'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "render" -d 'Print a tenant\'s rendered fly.toml, or the machine config a fly.toml becomes'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "man" -d 'Print the man page (roff)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from provision upgrade deploy plan apply backup snapshot destroy logs audit status list render completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "list" -d 'List a tenant\'s backups and Fly volume snapshots, newest first'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "verify" -d 'Download a backup, check every object against its manifest'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "restore" -d 'Restore a backup (or a Fly snapshot) into a tenant'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "prune" -d 'Remove backups beyond the retention, for every tenant in the bucket'
