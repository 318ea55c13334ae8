import Testing

@testable import Conveyor

@Suite("Producer claim decisions under flow control", .boundedParallelism, .timeLimit(.minutes(10)))
struct ProducerStateFlowTests {
    @Test("a claim held back by a limit tries again when one of its tasks finishes; a drained one waits")
    func heldBackClaimsRetryOnFinish() {
        var state = ProducerState(capacity: 4)
        state.limited = true
        state.claimed(2, requested: 4, heldBack: true)
        #expect(state.heldBack)
        #expect(state.claimLimit == nil)
        state.handle(.finished)
        #expect(state.claimLimit == 3)
        state.claimed(0, requested: 3)
        #expect(!state.heldBack)
        state.handle(.finished)
        #expect(state.claimLimit == nil)
        state.handle(.wake)
        #expect(state.claimLimit == 4)
    }

    @Test("under a limit, a small claim is not held back to batch")
    func noBatchingUnderLimits() {
        var state = ProducerState(capacity: 10)
        state.claimed(10, requested: 10)
        state.handle(.finished)
        #expect(state.claimWouldBeSmall)
        state.limited = true
        #expect(!state.claimWouldBeSmall)
        #expect(state.claimLimit == 1)
    }
}
