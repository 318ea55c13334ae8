import Foundation

/// Everything one `conveyor bench` invocation measured, with the context needed to read it:
/// printed as one table, and written as JSON or CSV for scripts.
struct BenchReport: Sendable, Codable {
    var startedAt: Date
    var backend: String
    var location: String
    var machine: [BenchSetting]
    var settings: [BenchSetting]
    var plan: String
    var figures: [BenchFigure]
    var targets: [BenchTarget]

    /// The machine the figures were measured on.
    static func machine() -> [BenchSetting] {
        let info = ProcessInfo.processInfo
        var settings = [
            BenchSetting(name: "cores", value: "\(info.activeProcessorCount)"),
            BenchSetting(
                name: "memory", value: String(format: "%.1f GiB", Double(info.physicalMemory) / 1_073_741_824)),
            BenchSetting(name: "os", value: info.operatingSystemVersionString),
        ]
        if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let model = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let name = model.split(separator: ":", maxSplits: 1).last
        {
            settings.insert(BenchSetting(name: "cpu", value: name.trimmingCharacters(in: .whitespaces)), at: 0)
        }
        // Machines here are shared: the load when the bench started tells how quiet it was.
        if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
            let averages = load.split(separator: " ").prefix(3).joined(separator: " ")
            settings.append(BenchSetting(name: "load average at start", value: averages))
        }
        return settings
    }

    /// The table, with the targets under it.
    func table() -> String {
        var lines: [String] = []
        let date = ISO8601DateFormatter().string(from: startedAt)
        lines.append("Conveyor bench on \(backend) at \(location), started \(date)")
        lines.append("machine: " + machine.map { "\($0.name) \($0.value)" }.joined(separator: "; "))
        lines.append("server:  " + settings.map { "\($0.name)=\($0.value)" }.joined(separator: " "))
        lines.append(contentsOf: plan.split(separator: "\n").map { "plan:    " + $0 })
        lines.append("")
        let shown = figures.filter(\.inTable)
        let labelWidth = max(40, shown.map(\.label.count).max() ?? 0)
        lines.append(
            pad("figure", labelWidth) + " " + pad("unit", 8) + lpad("median", 11) + lpad("min", 11) + lpad("max", 11)
                + "  runs")
        lines.append(String(repeating: "-", count: labelWidth + 8 + 33 + 8))
        for figure in shown {
            var line = pad(figure.label, labelWidth) + " " + pad(figure.unit, 8)
            line += lpad(Self.format(figure.median, unit: figure.unit), 11)
            line += lpad(Self.format(figure.min, unit: figure.unit), 11)
            line += lpad(Self.format(figure.max, unit: figure.unit), 11)
            line += "  \(figure.samples.count)"
            lines.append(line)
            for note in Set(figure.notes).sorted() {
                lines.append("    note: \(note)")
            }
        }
        lines.append("")
        lines.append("targets (medians; memory is the largest peak seen):")
        for target in targets {
            let goal =
                "\(target.comparison.rawValue) \(Self.format(target.threshold, unit: target.unit)) \(target.unit)"
            let value = target.measured.map { "\(Self.format($0, unit: target.unit)) \(target.unit)" } ?? "not measured"
            let verdict: String
            switch target.met {
            case true?: verdict = "met"
            case false?: verdict = "MISSED"
            case nil: verdict = "-"
            }
            var margin = ""
            if let measured = target.measured, target.threshold != 0 {
                let percent = (measured / target.threshold - 1) * 100
                margin = String(format: " (%+.0f%% of target)", percent)
            }
            lines.append(
                "  " + pad(target.label, labelWidth + 4) + pad(goal, 20) + lpad(value, 18) + "  " + verdict + margin
                    + "  [\(target.source)]")
        }
        return lines.joined(separator: "\n")
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// One row per figure: id, label, unit, median, min, max, the samples separated by `;`, notes.
    func csv() -> String {
        var rows = ["id,label,unit,median,min,max,samples,notes"]
        for figure in figures {
            let cells: [String] = [
                figure.id, figure.label, figure.unit,
                figure.median.map { String($0) } ?? "", figure.min.map { String($0) } ?? "",
                figure.max.map { String($0) } ?? "",
                figure.samples.map { String($0) }.joined(separator: ";"),
                figure.notes.joined(separator: "; "),
            ]
            rows.append(cells.map(Self.csvCell).joined(separator: ","))
        }
        return rows.joined(separator: "\n") + "\n"
    }

    private static func csvCell(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Rates as whole numbers with thousands separators; milliseconds with two decimals.
    static func format(_ value: Double?, unit: String) -> String {
        guard let value else { return "-" }
        switch unit {
        case "ms": return String(format: "%.2f", value)
        case "MB", "%": return String(format: "%.1f", value)
        default:
            let whole = Int(value.rounded())
            let digits = String(abs(whole))
            var grouped = ""
            for (index, digit) in digits.enumerated() {
                if index > 0 && (digits.count - index).isMultiple(of: 3) { grouped.append(",") }
                grouped.append(digit)
            }
            return (whole < 0 ? "-" : "") + grouped
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private func lpad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
