fn main() -> std::process::ExitCode {
    tenantctl::main()
}
