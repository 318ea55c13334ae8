extension ConveyorError.Code {
    /// An artifact store could not do what was asked (an I/O error, or an S3 error response).
    public static let storageFailure = ConveyorError.Code("storage_failure")
}
