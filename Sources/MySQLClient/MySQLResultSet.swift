/// The rows of a query, every value as text (NULL as nil), as the text protocol delivers them.
public struct MySQLResultSet: Sendable, Hashable {
    public var columns: [String]
    public var rows: [[String?]]

    public init(columns: [String], rows: [[String?]]) {
        self.columns = columns
        self.rows = rows
    }

    /// The value of `column` in row `row`, or nil for NULL or an unknown column.
    public func value(_ column: String, row: Int = 0) -> String? {
        guard let index = columns.firstIndex(of: column), rows.indices.contains(row) else { return nil }
        return rows[row][index]
    }
}

/// What a statement without a result set did.
public struct MySQLExecuteResult: Sendable, Hashable {
    public var affectedRows: UInt64
    public var lastInsertID: UInt64
}
