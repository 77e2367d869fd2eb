
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tenantctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tenantctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tenantctl' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('provision', 'provision', [CompletionResultType]::ParameterValue, 'Create a tenant: app, volume, secrets, machine, certificates, then run hooks')
            [CompletionResult]::new('upgrade', 'upgrade', [CompletionResultType]::ParameterValue, 'Re-render tenants'' fly.toml from the current templates and roll it out')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Roll a new image out to tenants')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Show how the fleet differs from the fleet file (fleet.toml)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Make the fleet what the fleet file says, in waves')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Back up tenants to S3-compatible storage; list, verify, restore, prune')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Take a Fly snapshot of a tenant''s volume and wait until it is created')
            [CompletionResult]::new('destroy', 'destroy', [CompletionResultType]::ParameterValue, 'Destroy a tenant''s app, machines and volumes')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Show a tenant''s logs')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit trail: who changed which tenant, when, and how it ended')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a tenant''s app, machine, volume and health')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tenants')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Print a tenant''s rendered fly.toml, or the machine config a fly.toml becomes')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;provision' {
            [CompletionResult]::new('--tier', '--tier', [CompletionResultType]::ParameterName, 'Tier from tenantctl.toml, e.g. pro (asked for on a terminal when missing)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Fly region [default: `region` in tenantctl.toml]')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'Custom domain to attach (repeatable)')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Image to run [default: `image` in tenantctl.toml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;upgrade' {
            [CompletionResult]::new('--tier', '--tier', [CompletionResultType]::ParameterName, 'Move the tenant(s) to this tier (up or down) [fleet default: each stays on its tier]')
            [CompletionResult]::new('--from-tier', '--from-tier', [CompletionResultType]::ParameterName, 'Only tenants now on this tier')
            [CompletionResult]::new('--tenants', '--tenants', [CompletionResultType]::ParameterName, 'These tenants, comma-separated, in this order (the first ones are the canaries)')
            [CompletionResult]::new('--tenants-file', '--tenants-file', [CompletionResultType]::ParameterName, 'Tenants listed in a file, one id per line (# comments)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only shard i of n (e.g. 2/4); every tenant is in exactly one shard')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'Tenants in the canary wave; any canary failure halts the rollout')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Tenants changed at the same time after the canaries')
            [CompletionResult]::new('--max-failures', '--max-failures', [CompletionResultType]::ParameterName, 'Halt once more tenants than this fail: a count or a percentage (10%)')
            [CompletionResult]::new('--hold-back', '--hold-back', [CompletionResultType]::ParameterName, 'Keep these tenants as they are (comma-separated)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('--force-protected', '--force-protected', [CompletionResultType]::ParameterName, 'Also move a tenant down from a protected tier')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every tenant of the org')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;deploy' {
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Image to deploy [default: `image` in tenantctl.toml]')
            [CompletionResult]::new('--tier', '--tier', [CompletionResultType]::ParameterName, 'Only tenants on this tier')
            [CompletionResult]::new('--tenants', '--tenants', [CompletionResultType]::ParameterName, 'These tenants, comma-separated, in this order (the first ones are the canaries)')
            [CompletionResult]::new('--tenants-file', '--tenants-file', [CompletionResultType]::ParameterName, 'Tenants listed in a file, one id per line (# comments)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only shard i of n (e.g. 2/4); every tenant is in exactly one shard')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'Tenants in the canary wave; any canary failure halts the rollout')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Tenants changed at the same time after the canaries')
            [CompletionResult]::new('--max-failures', '--max-failures', [CompletionResultType]::ParameterName, 'Halt once more tenants than this fail: a count or a percentage (10%)')
            [CompletionResult]::new('--hold-back', '--hold-back', [CompletionResultType]::ParameterName, 'Keep these tenants as they are (comma-separated)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every tenant of the org')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;plan' {
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file or folder [default: fleet.toml, else fleet/, beside tenantctl.toml]')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only shard i of n (e.g. 2/4) of the file''s tenants')
            [CompletionResult]::new('--markdown', '--markdown', [CompletionResultType]::ParameterName, 'Also write the plan as Markdown to this file (for a pull request comment)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('--detailed-exitcode', '--detailed-exitcode', [CompletionResultType]::ParameterName, 'Exit 0 when nothing would change, 2 when something would, 1 on error')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;apply' {
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file or folder [default: fleet.toml, else fleet/, beside tenantctl.toml]')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only shard i of n (e.g. 2/4) of the file''s tenants')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'Tenants in the canary wave; any canary failure halts the rollout')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Tenants changed at the same time after the canaries')
            [CompletionResult]::new('--max-failures', '--max-failures', [CompletionResultType]::ParameterName, 'Halt once more tenants than this fail: a count or a percentage (10%)')
            [CompletionResult]::new('--hold-back', '--hold-back', [CompletionResultType]::ParameterName, 'Keep these tenants as they are (comma-separated)')
            [CompletionResult]::new('--confirm-prune', '--confirm-prune', [CompletionResultType]::ParameterName, 'With --prune and --yes: the tenants to prune, repeated (comma-separated)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Also destroy the tenants that are in Fly but not in the fleet file')
            [CompletionResult]::new('--skip-final-backup', '--skip-final-backup', [CompletionResultType]::ParameterName, 'With --prune: destroy without the final backup of tenants with backups')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;backup' {
            [CompletionResult]::new('--tier', '--tier', [CompletionResultType]::ParameterName, 'Only tenants on this tier')
            [CompletionResult]::new('--tenants', '--tenants', [CompletionResultType]::ParameterName, 'These tenants, comma-separated, in this order (the first ones are the canaries)')
            [CompletionResult]::new('--tenants-file', '--tenants-file', [CompletionResultType]::ParameterName, 'Tenants listed in a file, one id per line (# comments)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only shard i of n (e.g. 2/4); every tenant is in exactly one shard')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Tenants backed up at the same time')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every tenant of the org')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a tenant''s backups and Fly volume snapshots, newest first')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Download a backup, check every object against its manifest')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup (or a Fly snapshot) into a tenant')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove backups beyond the retention, for every tenant in the bucket')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;backup;list' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;backup;verify' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;backup;restore' {
            [CompletionResult]::new('--to-tenant', '--to-tenant', [CompletionResultType]::ParameterName, 'Restore into this tenant instead (on the same tier): the restore drill')
            [CompletionResult]::new('--from-snapshot', '--from-snapshot', [CompletionResultType]::ParameterName, 'Restore a Fly volume snapshot instead: a new volume from it, the machine moved onto it')
            [CompletionResult]::new('--confirm', '--confirm', [CompletionResultType]::ParameterName, 'The target tenant id again: with --yes, confirms without a prompt')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;backup;prune' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;backup;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a tenant''s backups and Fly volume snapshots, newest first')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Download a backup, check every object against its manifest')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup (or a Fly snapshot) into a tenant')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove backups beyond the retention, for every tenant in the bucket')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;backup;help;list' {
            break
        }
        'tenantctl;backup;help;verify' {
            break
        }
        'tenantctl;backup;help;restore' {
            break
        }
        'tenantctl;backup;help;prune' {
            break
        }
        'tenantctl;backup;help;help' {
            break
        }
        'tenantctl;snapshot' {
            [CompletionResult]::new('--tier', '--tier', [CompletionResultType]::ParameterName, 'Only tenants on this tier')
            [CompletionResult]::new('--tenants', '--tenants', [CompletionResultType]::ParameterName, 'These tenants, comma-separated, in this order (the first ones are the canaries)')
            [CompletionResult]::new('--tenants-file', '--tenants-file', [CompletionResultType]::ParameterName, 'Tenants listed in a file, one id per line (# comments)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only shard i of n (e.g. 2/4); every tenant is in exactly one shard')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Tenants snapshotted at the same time')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every tenant of the org')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;destroy' {
            [CompletionResult]::new('--confirm', '--confirm', [CompletionResultType]::ParameterName, 'The tenant id again: with --yes, confirms without a prompt (for scripts and CI)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('--force-protected', '--force-protected', [CompletionResultType]::ParameterName, 'Also destroy a tenant whose tier is protected')
            [CompletionResult]::new('--skip-final-backup', '--skip-final-backup', [CompletionResultType]::ParameterName, 'Destroy without the final backup a tenant with backups gets first')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;logs' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only lines newer than this, e.g. 10m or 2h')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Only lines from this region')
            [CompletionResult]::new('--machine', '--machine', [CompletionResultType]::ParameterName, 'Only lines from this machine id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing new lines until Ctrl-C')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing new lines until Ctrl-C')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;audit' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only records since a date (2026-01-02), an RFC 3339 time, or an age (24h, 7d)')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Sinks to read: all (the file, and the bucket when configured), file or bucket')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;status' {
            [CompletionResult]::new('--tier', '--tier', [CompletionResultType]::ParameterName, 'Only tenants on this tier')
            [CompletionResult]::new('--tenants', '--tenants', [CompletionResultType]::ParameterName, 'These tenants, comma-separated, in this order (the first ones are the canaries)')
            [CompletionResult]::new('--tenants-file', '--tenants-file', [CompletionResultType]::ParameterName, 'Tenants listed in a file, one id per line (# comments)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only shard i of n (e.g. 2/4); every tenant is in exactly one shard')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every tenant of the org')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;list' {
            [CompletionResult]::new('--tier', '--tier', [CompletionResultType]::ParameterName, 'Only tenants on this tier')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;render' {
            [CompletionResult]::new('--tier', '--tier', [CompletionResultType]::ParameterName, 'Tier whose template to render (asked for on a terminal when missing)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Region [default: `region` in tenantctl.toml]')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Image [default: `image` in tenantctl.toml; for --file, the fly.toml''s own]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Convert this fly.toml instead of rendering a template (`-` reads stdin)')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Only this process group [default: all groups, as an object group → config]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('--machine-config', '--machine-config', [CompletionResultType]::ParameterName, 'Print the Machines API machine config instead of fly.toml')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;man' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to tenantctl.toml [default: found by walking up from the current directory]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Machines API base URL [default: https://api.machines.dev]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Fly organization slug [default: `org` in tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of results on stdout; json is the stable contract (docs/json.md)')
            [CompletionResult]::new('--retry-budget', '--retry-budget', [CompletionResultType]::ParameterName, 'How long answers of 429 (rate limited) are retried, e.g. 5m [default: 2m, TENANTCTL_RETRY_BUDGET]')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'operator, or support (read-only) [default: TENANTCTL_ROLE, `role` in tenantctl.toml, operator]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (a destroy also needs --confirm <tenant>)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt; fail with a hint instead')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Run against the built-in local Machines API emulator')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tenantctl;help' {
            [CompletionResult]::new('provision', 'provision', [CompletionResultType]::ParameterValue, 'Create a tenant: app, volume, secrets, machine, certificates, then run hooks')
            [CompletionResult]::new('upgrade', 'upgrade', [CompletionResultType]::ParameterValue, 'Re-render tenants'' fly.toml from the current templates and roll it out')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Roll a new image out to tenants')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Show how the fleet differs from the fleet file (fleet.toml)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Make the fleet what the fleet file says, in waves')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Back up tenants to S3-compatible storage; list, verify, restore, prune')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Take a Fly snapshot of a tenant''s volume and wait until it is created')
            [CompletionResult]::new('destroy', 'destroy', [CompletionResultType]::ParameterValue, 'Destroy a tenant''s app, machines and volumes')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Show a tenant''s logs')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit trail: who changed which tenant, when, and how it ended')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a tenant''s app, machine, volume and health')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tenants')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Print a tenant''s rendered fly.toml, or the machine config a fly.toml becomes')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;help;provision' {
            break
        }
        'tenantctl;help;upgrade' {
            break
        }
        'tenantctl;help;deploy' {
            break
        }
        'tenantctl;help;plan' {
            break
        }
        'tenantctl;help;apply' {
            break
        }
        'tenantctl;help;backup' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a tenant''s backups and Fly volume snapshots, newest first')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Download a backup, check every object against its manifest')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup (or a Fly snapshot) into a tenant')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove backups beyond the retention, for every tenant in the bucket')
            break
        }
        'tenantctl;help;backup;list' {
            break
        }
        'tenantctl;help;backup;verify' {
            break
        }
        'tenantctl;help;backup;restore' {
            break
        }
        'tenantctl;help;backup;prune' {
            break
        }
        'tenantctl;help;snapshot' {
            break
        }
        'tenantctl;help;destroy' {
            break
        }
        'tenantctl;help;logs' {
            break
        }
        'tenantctl;help;audit' {
            break
        }
        'tenantctl;help;status' {
            break
        }
        'tenantctl;help;list' {
            break
        }
        'tenantctl;help;render' {
            break
        }
        'tenantctl;help;completions' {
            break
        }
        'tenantctl;help;man' {
            break
        }
        'tenantctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
