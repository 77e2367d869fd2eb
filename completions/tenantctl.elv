
use builtin;
use str;

set edit:completion:arg-completer[tenantctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tenantctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tenantctl'= {
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand provision 'Create a tenant: app, volume, secrets, machine, certificates, then run hooks'
            cand upgrade 'Re-render tenants'' fly.toml from the current templates and roll it out'
            cand deploy 'Roll a new image out to tenants'
            cand backup 'Back up tenants to S3-compatible storage; list, verify, restore, prune'
            cand snapshot 'Take a Fly snapshot of a tenant''s volume and wait until it is created'
            cand destroy 'Destroy a tenant''s app, machines and volumes'
            cand logs 'Show a tenant''s logs'
            cand audit 'Show the audit trail: who changed which tenant, when, and how it ended'
            cand status 'Show a tenant''s app, machine, volume and health'
            cand list 'List tenants'
            cand render 'Print a tenant''s rendered fly.toml, or the machine config a fly.toml becomes'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;provision'= {
            cand --tier 'Tier from tenantctl.toml, e.g. pro (asked for on a terminal when missing)'
            cand --region 'Fly region [default: `region` in tenantctl.toml]'
            cand --domain 'Custom domain to attach (repeatable)'
            cand --image 'Image to run [default: `image` in tenantctl.toml]'
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;upgrade'= {
            cand --tier 'Move the tenant to this tier (up or down)'
            cand --concurrency 'Tenants upgraded at the same time'
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand --all 'Upgrade every tenant (not available yet)'
            cand --force-protected 'Also move a tenant down from a protected tier'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;deploy'= {
            cand --image 'Image to deploy [default: `image` in tenantctl.toml]'
            cand --concurrency 'Tenants deployed at the same time'
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand --all 'Deploy to every tenant (not available yet)'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;backup'= {
            cand --tier 'With --all: only tenants on this tier'
            cand --concurrency 'With --all: tenants backed up at the same time'
            cand --shard 'With --all: only shard i of n (e.g. 2/4); every tenant is in exactly one shard'
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand --all 'Back up every tenant that has backups (its tier''s `backups`, or backup.tenants)'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List a tenant''s backups and Fly volume snapshots, newest first'
            cand verify 'Download a backup, check every object against its manifest'
            cand restore 'Restore a backup (or a Fly snapshot) into a tenant'
            cand prune 'Remove backups beyond the retention, for every tenant in the bucket'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;backup;list'= {
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;backup;verify'= {
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;backup;restore'= {
            cand --to-tenant 'Restore into this tenant instead (on the same tier): the restore drill'
            cand --from-snapshot 'Restore a Fly volume snapshot instead: a new volume from it, the machine moved onto it'
            cand --confirm 'The target tenant id again: with --yes, confirms without a prompt'
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;backup;prune'= {
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;backup;help'= {
            cand list 'List a tenant''s backups and Fly volume snapshots, newest first'
            cand verify 'Download a backup, check every object against its manifest'
            cand restore 'Restore a backup (or a Fly snapshot) into a tenant'
            cand prune 'Remove backups beyond the retention, for every tenant in the bucket'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;backup;help;list'= {
        }
        &'tenantctl;backup;help;verify'= {
        }
        &'tenantctl;backup;help;restore'= {
        }
        &'tenantctl;backup;help;prune'= {
        }
        &'tenantctl;backup;help;help'= {
        }
        &'tenantctl;snapshot'= {
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;destroy'= {
            cand --confirm 'The tenant id again: with --yes, confirms without a prompt (for scripts and CI)'
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand --force-protected 'Also destroy a tenant whose tier is protected'
            cand --skip-final-backup 'Destroy without the final backup a tenant with backups gets first'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;logs'= {
            cand --since 'Only lines newer than this, e.g. 10m or 2h'
            cand --region 'Only lines from this region'
            cand --machine 'Only lines from this machine id'
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand -f 'Keep printing new lines until Ctrl-C'
            cand --follow 'Keep printing new lines until Ctrl-C'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;audit'= {
            cand --since 'Only records since a date (2026-01-02), an RFC 3339 time, or an age (24h, 7d)'
            cand --source 'Sinks to read: all (the file, and the bucket when configured), file or bucket'
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;status'= {
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;list'= {
            cand --tier 'Only tenants on this tier'
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;render'= {
            cand --tier 'Tier whose template to render (asked for on a terminal when missing)'
            cand --region 'Region [default: `region` in tenantctl.toml]'
            cand --image 'Image [default: `image` in tenantctl.toml; for --file, the fly.toml''s own]'
            cand --file 'Convert this fly.toml instead of rendering a template (`-` reads stdin)'
            cand --group 'Only this process group [default: all groups, as an object group → config]'
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand --machine-config 'Print the Machines API machine config instead of fly.toml'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;completions'= {
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;man'= {
            cand --config 'Path to tenantctl.toml [default: found by walking up from the current directory]'
            cand --api-url 'Machines API base URL [default: https://api.machines.dev]'
            cand --org 'Fly organization slug [default: `org` in tenantctl.toml]'
            cand -o 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --output 'Format of results on stdout; json is the stable contract (docs/json.md)'
            cand --role 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]'
            cand -v 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --yes 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)'
            cand --no-input 'Never prompt; fail with a hint instead'
            cand --local 'Run against the built-in local Machines API emulator'
            cand --dry-run 'Show what would change without changing anything'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tenantctl;help'= {
            cand provision 'Create a tenant: app, volume, secrets, machine, certificates, then run hooks'
            cand upgrade 'Re-render tenants'' fly.toml from the current templates and roll it out'
            cand deploy 'Roll a new image out to tenants'
            cand backup 'Back up tenants to S3-compatible storage; list, verify, restore, prune'
            cand snapshot 'Take a Fly snapshot of a tenant''s volume and wait until it is created'
            cand destroy 'Destroy a tenant''s app, machines and volumes'
            cand logs 'Show a tenant''s logs'
            cand audit 'Show the audit trail: who changed which tenant, when, and how it ended'
            cand status 'Show a tenant''s app, machine, volume and health'
            cand list 'List tenants'
            cand render 'Print a tenant''s rendered fly.toml, or the machine config a fly.toml becomes'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;help;provision'= {
        }
        &'tenantctl;help;upgrade'= {
        }
        &'tenantctl;help;deploy'= {
        }
        &'tenantctl;help;backup'= {
            cand list 'List a tenant''s backups and Fly volume snapshots, newest first'
            cand verify 'Download a backup, check every object against its manifest'
            cand restore 'Restore a backup (or a Fly snapshot) into a tenant'
            cand prune 'Remove backups beyond the retention, for every tenant in the bucket'
        }
        &'tenantctl;help;backup;list'= {
        }
        &'tenantctl;help;backup;verify'= {
        }
        &'tenantctl;help;backup;restore'= {
        }
        &'tenantctl;help;backup;prune'= {
        }
        &'tenantctl;help;snapshot'= {
        }
        &'tenantctl;help;destroy'= {
        }
        &'tenantctl;help;logs'= {
        }
        &'tenantctl;help;audit'= {
        }
        &'tenantctl;help;status'= {
        }
        &'tenantctl;help;list'= {
        }
        &'tenantctl;help;render'= {
        }
        &'tenantctl;help;completions'= {
        }
        &'tenantctl;help;man'= {
        }
        &'tenantctl;help;help'= {
        }
    ]
    $completions[$command]
}
