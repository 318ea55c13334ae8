import Conveyor
import Foundation
import Testing

@testable import ConveyorCommand

@Suite("Bench figures", .boundedParallelism, .timeLimit(.minutes(10)))
struct BenchFiguresTests {
    @Test("median of odd and even counts, nil when empty")
    func median() {
        #expect(BenchStatistics.median([3, 1, 2]) == 2)
        #expect(BenchStatistics.median([4, 1, 3, 2]) == 2.5)
        #expect(BenchStatistics.median([]) == nil)
    }

    @Test("nearest-rank percentiles")
    func percentiles() {
        let values = (1...200).map(Double.init).shuffled()
        #expect(BenchStatistics.percentile(values, 50) == 100)
        #expect(BenchStatistics.percentile(values, 95) == 190)
        #expect(BenchStatistics.percentile(values, 99) == 198)
        #expect(BenchStatistics.percentile(values, 100) == 200)
        #expect(BenchStatistics.percentile([7], 99) == 7)
        #expect(BenchStatistics.percentile([], 50) == nil)
    }

    @Test("a task's input carries its enqueue time")
    func enqueueTime() throws {
        let date = Date(timeIntervalSince1970: 1_763_820_000.123456)
        let task = BenchTask.make(enqueuedAt: date)
        let parsed = try #require(BenchTask.enqueuedAt(in: task.input))
        #expect(abs(parsed - date.timeIntervalSince1970) < 1e-6)
        #expect(BenchTask.enqueuedAt(in: "{}") == nil)
        #expect(try JSONSerialization.jsonObject(with: Data(task.input.utf8)) is [String: Any])
    }

    @Test("targets compare medians; memory compares the largest peak")
    func targets() {
        var plan = BenchPlan.full
        plan.scaleShape = .init(processes: 1, concurrency: 50)
        let figures = [
            BenchFigure(id: "e2e.1x50", label: "", unit: "tasks/s", samples: [20_000, 26_000, 27_000]),
            BenchFigure(id: "e2e.1x200", label: "", unit: "tasks/s", samples: [24_000, 24_000, 24_000]),
            BenchFigure(id: "e2e.1x200.wall", label: "", unit: "tasks/s", samples: [90_000]),
            BenchFigure(id: "scale.1x50.ratio", label: "", unit: "%", samples: [95, 80, 91]),
            BenchFigure(id: "latency.p50", label: "", unit: "ms", samples: [2.5]),
            BenchFigure(id: "rss.1x50", label: "", unit: "MB", samples: [30, 60, 40]),
        ]
        let targets = BenchTarget.evaluate(figures, plan: plan)
        let endToEnd = targets.first { $0.label.hasPrefix("end-to-end, one worker") }
        #expect(endToEnd?.measured == 26_000)
        #expect(endToEnd?.source == "e2e.1x50")
        #expect(endToEnd?.met == true)
        #expect(targets.first { $0.label == "pickup latency p50" }?.met == false)
        #expect(targets.first { $0.label == "pickup latency p99" }?.met == nil)
        let scale = targets.first { $0.unit == "%" }
        #expect(scale?.measured == 91)
        #expect(scale?.met == true)
        #expect(targets.first { $0.unit == "MB" }?.measured == 60)
    }

    @Test("options: worker shapes and workloads parse; a bad one says what to write")
    func options() throws {
        let plan = try BenchPlan(quick: true, runs: 2, only: "throughput,latency", shapes: "1x50,2x10")
        #expect(plan.shapes == [.init(processes: 1, concurrency: 50), .init(processes: 2, concurrency: 10)])
        #expect(plan.workloads == [.throughput, .latency])
        #expect(plan.runs == 2)
        #expect(plan.drainTasks == BenchPlan.quick.drainTasks)
        #expect(plan.drainTasks(for: .init(processes: 1, concurrency: 1)) == BenchPlan.quick.singleSlotDrainTasks)
        for (attempt, hint) in [
            ({ try BenchPlan(quick: false, runs: 1, shapes: "fifty") }, "PROCESSESxCONCURRENCY"),
            ({ try BenchPlan(quick: false, runs: 1, only: "speed") }, "latency"),
            ({ try BenchPlan(quick: false, runs: 0) }, "--runs"),
        ] as [(() throws -> BenchPlan, String)] {
            #expect {
                _ = try attempt()
            } throws: { error in
                (error as? BenchFailure)?.description.contains(hint) == true
            }
        }
    }
}
