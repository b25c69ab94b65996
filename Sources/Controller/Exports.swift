@_exported import ControllerAPI

// The status the controller serves and the operator reads lives in ControllerAPI, so the
// operator can follow controllers without linking the controller (and libmariadb).
