import Testing

@testable import Conveyor

@Suite("Producer claim decisions", .boundedParallelism, .timeLimit(.minutes(10)))
struct ProducerStateTests {
    @Test("the first claim asks for every slot; a full claim waits for slots to free")
    func firstClaimFillsEverySlot() {
        var state = ProducerState(capacity: 10)
        #expect(state.claimLimit == 10)
        #expect(!state.claimWouldBeSmall)
        state.claimed(10, requested: 10)
        #expect(state.claimLimit == nil)
    }

    @Test("a claim for a few slots while others run is small; half the slots or an idle producer is not")
    func smallClaimsWaitForMoreSlots() {
        var state = ProducerState(capacity: 10)
        state.claimed(10, requested: 10)
        state.handle(.finished)
        #expect(state.claimLimit == 1)
        #expect(state.claimWouldBeSmall)
        for _ in 0..<4 { state.handle(.finished) }
        #expect(state.claimLimit == 5)
        #expect(!state.claimWouldBeSmall)
        for _ in 0..<5 { state.handle(.finished) }
        #expect(state.running == 0)
        #expect(state.claimLimit == 10)
        #expect(!state.claimWouldBeSmall)
    }

    @Test("a single slot is never a small claim")
    func singleSlot() {
        var state = ProducerState(capacity: 1)
        state.claimed(1, requested: 1)
        state.handle(.finished)
        #expect(state.claimLimit == 1)
        #expect(!state.claimWouldBeSmall)
    }

    @Test("a short claim means the queue is drained: wait for a wake-up; stop waits for running tasks")
    func shortClaimAndStop() {
        var state = ProducerState(capacity: 4)
        state.claimed(2, requested: 4)
        #expect(state.claimLimit == nil)
        #expect(!state.claimWouldBeSmall)
        state.handle(.wake)
        #expect(state.claimLimit == 2)
        state.handle(.stop)
        #expect(state.claimLimit == nil)
        #expect(!state.isDone)
        state.handle(.finished)
        state.handle(.finished)
        #expect(state.isDone)
    }
}

@Suite("Producer state machine", .boundedParallelism, .timeLimit(.minutes(10)))
struct ProducerStateEventTests {
    @Test("claims its free slots while the queue may hold work")
    func claimsFreeSlots() {
        var state = ProducerState(capacity: 10)
        #expect(state.claimLimit == 10)
        state.claimed(10, requested: 10)
        #expect(state.claimLimit == nil)  // full
        state.handle(.finished)
        state.handle(.finished)
        #expect(state.claimLimit == 2)  // last claim came back full: there may be more
    }

    @Test("a short claim means the queue is drained: wait for a wake-up")
    func shortClaimWaits() {
        var state = ProducerState(capacity: 10)
        state.claimed(3, requested: 10)
        #expect(state.claimLimit == nil)
        state.handle(.finished)
        #expect(state.claimLimit == nil)
        state.handle(.wake)
        #expect(state.claimLimit == 8)
    }

    @Test("a failed claim waits for the next wake-up or poll")
    func failedClaim() {
        var state = ProducerState(capacity: 2)
        state.claimFailed()
        #expect(state.claimLimit == nil)
        state.handle(.wake)
        #expect(state.claimLimit == 2)
    }

    @Test("stopping claims nothing more and is done when nothing runs")
    func stopping() {
        var state = ProducerState(capacity: 4)
        state.claimed(2, requested: 4)
        state.handle(.stop)
        state.handle(.wake)
        #expect(state.claimLimit == nil)
        #expect(!state.isDone)
        state.handle(.finished)
        state.handle(.finished)
        #expect(state.isDone)
    }
}
