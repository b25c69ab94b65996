/// The release this binary belongs to. CRDs and rendered objects carry it in labels.
public enum QMySQLVersion {
    public static let current = "0.1.0"
}
