import Foundation
import Testing

@testable import Conveyor

@Suite("Flow admission rules", .boundedParallelism, .timeLimit(.minutes(10)))
struct FlowAdmissionTests {
    static let start = Date(timeIntervalSince1970: 1_000_000)

    static func task(
        _ id: Int64, _ owner: String = "", priority: Priority = .normal, resources: [String] = []
    )
        -> FlowCandidate
    {
        FlowCandidate(
            id: TaskID(id), owner: owner, priority: priority, runAt: start.addingTimeInterval(Double(id)),
            resources: resources)
    }

    @Test("plain order is priority, then run time and id; fair share takes owners round-robin per priority")
    func order() {
        let tasks = [
            Self.task(1, "a"), Self.task(2, "a"), Self.task(3, "a"), Self.task(4, "b"), Self.task(5, "b"),
            Self.task(6, "c", priority: .high), Self.task(7, ""),
        ]
        #expect(FlowAdmission.order(tasks, fairShare: false).map(\.id.rawValue) == [6, 1, 2, 3, 4, 5, 7])
        #expect(FlowAdmission.order(tasks, fairShare: true).map(\.id.rawValue) == [6, 1, 4, 7, 2, 5, 3])
        // Owner a already runs two tasks: its waiting ones come after b's and the unowned one.
        #expect(
            FlowAdmission.order(tasks, fairShare: true, busy: ["a": 2]).map(\.id.rawValue) == [6, 4, 7, 5, 1, 2, 3])
    }

    @Test("admission: at most the queue's room; a resource's places go by rank, past full ones")
    func admit() {
        let tasks = [
            Self.task(1, resources: ["gpu"]), Self.task(2, resources: ["gpu"]), Self.task(3),
            Self.task(4, resources: ["gpu", "api"]), Self.task(5, resources: ["api"]), Self.task(6),
        ]
        let admitted = FlowAdmission.admit(tasks, queueRoom: 10, resourceRoom: ["gpu": 1, "api": 5])
        #expect(admitted.map(\.id.rawValue) == [1, 3, 5, 6])
        #expect(FlowAdmission.admit(tasks, queueRoom: 2, resourceRoom: ["gpu": 1]).map(\.id.rawValue) == [1, 3])
        #expect(FlowAdmission.admit(tasks, queueRoom: 0, resourceRoom: [:]).isEmpty)
        #expect(FlowAdmission.admit(tasks, queueRoom: -3, resourceRoom: [:]).isEmpty)
        // Resources not listed limit nothing.
        #expect(FlowAdmission.admit(tasks, queueRoom: 10, resourceRoom: [:]).count == 6)
    }

    @Test("the window grows with the claim, and every owner gets a share of it")
    func windowAndShares() {
        #expect(FlowAdmission.window(requested: 1) == 17)
        #expect(FlowAdmission.window(requested: 100) == 116)
        #expect(FlowAdmission.window(requested: 5000) == 1000)
        #expect(FlowAdmission.perOwner(window: 116, owners: 10) == 12)
        #expect(FlowAdmission.perOwner(window: 116, owners: 0) == 116)
    }

    @Test("a plan's rooms: limits in force less what holds a place and what started; followers take a place over")
    func plan() {
        var plan = FlowClaimPlan(
            queue: "q",
            settings: QueueSettings("q", concurrencyLimit: 5, rateLimit: RateLimit(10, per: .seconds(1))),
            resources: [
                ResourceSettings("gpu", concurrencyLimit: 2),
                ResourceSettings("api", rateLimit: RateLimit(3, per: .seconds(60))),
                ResourceSettings("unlimited"),
            ])
        plan.queueRunning = 3
        plan.resourceRunning = ["gpu": 2]
        plan.recordedStarts = ["q:q": (9, Self.start), "r:api": (1, nil)]
        #expect(plan.rateScopes.map(\.scope) == ["q:q", "r:api"])
        #expect(plan.queueRoom(requested: 10, at: Self.start) == 1)
        #expect(plan.resourceRoom(at: Self.start) == ["gpu": 0, "api": 2])
        #expect(plan.fullResources(at: Self.start) == ["gpu"])
        #expect(plan.retryAt(at: Self.start.addingTimeInterval(0.5)) == Self.start.addingTimeInterval(1))
        #expect(plan.atLimit(after: [Self.task(1)], at: Self.start))

        // A follower: only without a queue rate limit, in its leader's places, and only when it
        // is the first candidate.
        plan.follows = ["gpu"]
        #expect(plan.rateScopes.map(\.scope) == ["r:api"])
        #expect(plan.queueRoom(requested: 10, at: Self.start) == 0)
        plan.settings?.rateLimit = nil
        #expect(plan.queueRoom(requested: 10, at: Self.start) == 1)
        #expect(plan.resourceRoom(at: Self.start) == ["gpu": 1, "api": 2])
        let gpuTask = Self.task(7, resources: ["gpu"])
        #expect(plan.admit([Self.task(1), gpuTask], requested: 1, at: Self.start).map(\.id.rawValue) == [1])
        #expect(plan.admit([gpuTask], requested: 1, at: Self.start).map(\.id.rawValue) == [7])
        let apiTask = Self.task(8, resources: ["api"])
        #expect(plan.admit([apiTask, gpuTask], requested: 1, at: Self.start).isEmpty, "the first needs another place")
        plan.resourceRunning = ["gpu": 3]
        #expect(plan.resourceRoom(at: Self.start)["gpu"] == 0, "over a lowered limit: no follower")

        // A leader that holds no gpu: no follower that needs one, even with a gpu place free (it
        // would hold it idle while the leader runs), and none that comes later either.
        plan.follows = []
        #expect(plan.admit([gpuTask], requested: 1, at: Self.start).isEmpty, "the gpu is full")
        plan.resourceRunning = ["gpu": 1]
        #expect(plan.admit([gpuTask, Self.task(1)], requested: 1, at: Self.start).isEmpty)
        #expect(plan.admit([Self.task(1), gpuTask], requested: 1, at: Self.start).map(\.id.rawValue) == [1])
        #expect(plan.admit([apiTask], requested: 1, at: Self.start).isEmpty, "the api is not held either")
    }
}
