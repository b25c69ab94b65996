import Foundation

/// Encodes an `Encodable` straight into a `JSONValue` tree, with `JSONEncoder`'s defaults
/// (`Data` as base64, `nil` optionals left out by the synthesized conformances), but without
/// writing bytes and parsing them back: the operator renders every cluster's typed objects at
/// every reconcile, and the detour through text cost more than the rendering itself.
struct JSONValueEncoder {
    func encode(_ value: some Encodable) throws -> JSONValue {
        try Self.box(value, codingPath: [])
    }

    /// One value: the few types `JSONEncoder` encodes specially, else the value's own encoding.
    /// Told apart by comparing types, not by casting: a cast per value was most of the cost.
    static func box<Value: Encodable>(_ value: Value, codingPath: [any CodingKey]) throws -> JSONValue {
        if Value.self == JSONValue.self { return value as! JSONValue }
        if Value.self == Data.self { return .string((value as! Data).base64EncodedString()) }
        if Value.self == URL.self { return .string((value as! URL).absoluteString) }
        if Value.self == Date.self { return try number((value as! Date).timeIntervalSinceReferenceDate, codingPath: codingPath) }
        if Value.self == Decimal.self { return try number(Double((value as! Decimal).description) ?? .nan, codingPath: codingPath) }
        let storage = Slot()
        try value.encode(to: TreeEncoder(codingPath: codingPath, storage: storage))
        return storage.value
    }

    /// A `Float` as the decimal it prints as (`0.1`, not 0.10000000149...), as `JSONEncoder` writes it.
    static func double(_ value: Float) -> Double {
        value.isFinite ? Double("\(value)") ?? Double(value) : Double(value)
    }

    /// An unsigned integer past `Int64.max` is a double, as `JSONValue.parse` reads its digits.
    static func integer(_ value: some BinaryInteger) -> JSONValue {
        Int64(exactly: value).map(JSONValue.int) ?? .double(Double(value))
    }

    /// As `JSONEncoder` writes a double and `JSONValue.parse` reads it back: a whole number is
    /// `.int`, and infinities and NaN are refused.
    static func number(_ value: Double, codingPath: [any CodingKey]) throws -> JSONValue {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "\(value) is not a JSON number"))
        }
        if value == value.rounded(), let whole = Int64(exactly: value) { return .int(whole) }
        return .double(value)
    }
}

/// Where a container writes: a class, because nested containers outlive the calls that made
/// them. Scalars are stored as values; only nested containers get a slot of their own.
private final class Slot {
    enum Member {
        case value(JSONValue)
        case slot(Slot)

        var value: JSONValue {
            switch self {
            case .value(let value): value
            case .slot(let slot): slot.value
            }
        }
    }

    enum Kind { case empty, single, object, array }

    private(set) var kind = Kind.empty
    private var single: JSONValue = .null
    private var members: [String: Member] = [:]
    private var items: [Member] = []

    var value: JSONValue {
        switch kind {
        case .empty: .object([:])
        case .single: single
        case .object: .object(members.mapValues(\.value))
        case .array: .array(items.map(\.value))
        }
    }

    var count: Int { items.count }

    func set(_ value: JSONValue) {
        kind = .single
        single = value
    }

    func makeObject() {
        guard kind != .object else { return }
        kind = .object
        members = [:]
    }

    func makeArray() {
        guard kind != .array else { return }
        kind = .array
        items = []
    }

    func put(_ value: JSONValue, at key: String) {
        makeObject()
        members[key] = .value(value)
    }

    /// The nested container at `key`: the one already there (a second call for the same key
    /// goes on writing into it, as `JSONEncoder` does), or a new one.
    func nested(at key: String) -> Slot {
        makeObject()
        if case .slot(let existing)? = members[key] { return existing }
        let slot = Slot()
        members[key] = .slot(slot)
        return slot
    }

    func append(_ value: JSONValue) {
        makeArray()
        items.append(.value(value))
    }

    func appendNested() -> Slot {
        makeArray()
        let slot = Slot()
        items.append(.slot(slot))
        return slot
    }
}

private struct TreeEncoder: Encoder {
    let storage: Slot
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(codingPath: [any CodingKey], storage: Slot) {
        self.codingPath = codingPath
        self.storage = storage
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        storage.makeObject()
        return KeyedEncodingContainer(KeyedTree<Key>(slot: storage, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        storage.makeArray()
        return UnkeyedTree(slot: storage, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleTree(slot: storage, codingPath: codingPath)
    }
}

private struct KeyedTree<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: Slot
    let codingPath: [any CodingKey]

    private func put(_ value: JSONValue, _ key: Key) { slot.put(value, at: key.stringValue) }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(try JSONValueEncoder.number(value, codingPath: codingPath + [key]), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try encode(JSONValueEncoder.double(value), forKey: key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(.int(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(JSONValueEncoder.integer(value), key) }

    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        put(try JSONValueEncoder.box(value, codingPath: codingPath + [key]), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = slot.nested(at: key.stringValue)
        nested.makeObject()
        return KeyedEncodingContainer(KeyedTree<NestedKey>(slot: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = slot.nested(at: key.stringValue)
        nested.makeArray()
        return UnkeyedTree(slot: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        TreeEncoder(codingPath: codingPath + [SuperKey()], storage: slot.nested(at: SuperKey().stringValue))
    }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        TreeEncoder(codingPath: codingPath + [key], storage: slot.nested(at: key.stringValue))
    }
}

/// The key `superEncoder()` writes under, as `JSONEncoder` names it.
private struct SuperKey: CodingKey {
    var stringValue: String { "super" }
    var intValue: Int? { nil }
    init() {}
    init?(stringValue: String) { nil }
    init?(intValue: Int) { nil }
}

private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

/// The scalar methods of the unkeyed and the single-value containers, written once: each
/// container says only where a value goes (`put`).
private protocol ScalarWriting {
    var codingPath: [any CodingKey] { get }
    func put(_ value: JSONValue)
}

extension ScalarWriting {
    mutating func encodeNil() throws { put(.null) }
    mutating func encode(_ value: Bool) throws { put(.bool(value)) }
    mutating func encode(_ value: String) throws { put(.string(value)) }
    mutating func encode(_ value: Double) throws { put(try JSONValueEncoder.number(value, codingPath: codingPath)) }
    mutating func encode(_ value: Float) throws { try encode(JSONValueEncoder.double(value)) }
    mutating func encode(_ value: Int) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { put(.int(value)) }
    mutating func encode(_ value: UInt8) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt16) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt32) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt) throws { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt64) throws { put(JSONValueEncoder.integer(value)) }
}

private struct UnkeyedTree: UnkeyedEncodingContainer, ScalarWriting {
    let slot: Slot
    let codingPath: [any CodingKey]
    var count: Int { slot.count }

    func put(_ value: JSONValue) { slot.append(value) }

    mutating func encode(_ value: some Encodable) throws {
        put(try JSONValueEncoder.box(value, codingPath: codingPath + [IndexKey(count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let key = IndexKey(count)
        let nested = slot.appendNested()
        nested.makeObject()
        return KeyedEncodingContainer(KeyedTree<NestedKey>(slot: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let key = IndexKey(count)
        let nested = slot.appendNested()
        nested.makeArray()
        return UnkeyedTree(slot: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        let key = IndexKey(count)
        return TreeEncoder(codingPath: codingPath + [key], storage: slot.appendNested())
    }
}

private struct SingleTree: SingleValueEncodingContainer, ScalarWriting {
    let slot: Slot
    let codingPath: [any CodingKey]

    func put(_ value: JSONValue) { slot.set(value) }

    mutating func encode(_ value: some Encodable) throws {
        put(try JSONValueEncoder.box(value, codingPath: codingPath))
    }
}
