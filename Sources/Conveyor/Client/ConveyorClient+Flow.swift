/// Flow control: the queues and resources tables, which every worker reads while it claims.
///
/// A change is picked up by running workers within a few seconds, without a restart: a limited
/// claim reads the settings in the claim itself, and a worker re-reads which way to claim every
/// ``WorkerConfiguration/flowRefreshInterval``.
extension ConveyorClient {
    /// Every queue that has settings, by name.
    public func queues() async throws -> [QueueSettings] {
        try await driver.queueSettingsList()
    }

    /// One queue's settings; nil when it has none (it then runs unlimited).
    public func queue(_ name: String) async throws -> QueueSettings? {
        try await driver.queueSettingsList().first { $0.name == name }
    }

    /// Creates or replaces a queue's settings.
    ///
    /// - Throws: ``ConveyorError`` (`invalidInput`) saying what to fix when a value is out of range.
    public func setQueue(_ settings: QueueSettings) async throws {
        try settings.validate()
        try await driver.queueSettingsPut(settings)
    }

    /// Changes some of a queue's settings, starting from its current ones (or the defaults).
    ///
    /// ```swift
    /// try await client.updateQueue("render") { $0.concurrencyLimit = 10 }
    /// ```
    @discardableResult
    public func updateQueue(
        _ name: String, _ change: (inout QueueSettings) throws -> Void
    ) async throws
        -> QueueSettings
    {
        var settings = try await queue(name) ?? QueueSettings(name)
        try change(&settings)
        settings.name = name
        try await setQueue(settings)
        return settings
    }

    /// Stops new tasks of the queue from starting; running tasks finish.
    public func pauseQueue(_ name: String) async throws {
        try QueueSettings(name).validate()
        try await driver.queueSetPaused(.init(name: name, paused: true))
    }

    /// Lets tasks of a paused queue start again.
    public func resumeQueue(_ name: String) async throws {
        try QueueSettings(name).validate()
        try await driver.queueSetPaused(.init(name: name, paused: false))
    }

    /// Every resource that has settings, by name.
    public func resources() async throws -> [ResourceSettings] {
        try await driver.resourceSettingsList()
    }

    /// Creates or replaces a resource's settings.
    ///
    /// - Throws: ``ConveyorError`` (`invalidInput`) saying what to fix when a value is out of range.
    public func setResource(_ settings: ResourceSettings) async throws {
        try settings.validate()
        try await driver.resourceSettingsPut(settings)
    }

    /// Removes a resource's settings, so it limits nothing; returns whether it had any.
    @discardableResult
    public func removeResource(_ name: String) async throws -> Bool {
        try await driver.resourceSettingsDelete(name)
    }

    /// Tasks running now per resource they use.
    public func resourceUsage() async throws -> [String: Int] {
        try await driver.resourceCountRunning()
    }
}
