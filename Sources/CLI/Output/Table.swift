/// A plain-text table in kubectl's layout: upper-case headers, columns padded to the widest
/// cell and separated by three spaces. Cells may carry colour escapes; width ignores them.
struct Table {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: [String]) { self.headers = headers.map { $0.uppercased() } }

    mutating func append(_ row: [String]) { rows.append(row) }

    func render() -> String {
        let all = [headers] + rows
        var widths = [Int](repeating: 0, count: headers.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], Table.visibleWidth(cell))
            }
        }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - Table.visibleWidth(cell) + 3)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }

    /// Counts characters outside ANSI escape sequences.
    static func visibleWidth(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for character in text {
            if inEscape {
                if character == "m" { inEscape = false }
            } else if character == "\u{1B}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        return width
    }
}
