import ArgumentParser

/// `ikev1`: the command-line face of swift-ikev1.
@main
struct IKEv1Tool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ikev1",
        abstract: "IKEv1 / IPsec in Swift: decode captures, negotiate, benchmark ESP.",
        subcommands: [DecodeCommand.self, DemoCommand.self, InitiateCommand.self, RespondCommand.self,
                      ConnectCommand.self, RunCommand.self, ControlCommand.self, BenchCommand.self]
    )
}
