extension OpenAPIDocument {
    /// `/v1/stats`.
    static let stats = OpenAPIFragment(
        json: ##"""
            {
              "paths": {
                "/v1/stats": {
                  "get": {
                    "operationId": "stats",
                    "summary": "Operations (admin): per queue what waits, runs and finished today; workers and their last heartbeat; expired leases; dead letters.",
                    "responses": {
                      "200": {
                        "description": "The figures.",
                        "content": {
                          "application/json": {
                            "schema": {
                              "$ref": "#/components/schemas/Stats"
                            }
                          }
                        }
                      },
                      "401": {
                        "$ref": "#/components/responses/Unauthorized"
                      },
                      "403": {
                        "$ref": "#/components/responses/Forbidden"
                      },
                      "503": {
                        "$ref": "#/components/responses/Unavailable"
                      }
                    }
                  }
                }
              },
              "schemas": {
                "Stats": {
                  "type": "object",
                  "required": [
                    "queues",
                    "workers",
                    "expired_leases",
                    "dead_letters",
                    "generated_at"
                  ],
                  "additionalProperties": false,
                  "properties": {
                    "queues": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/QueueStats"
                      }
                    },
                    "workers": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Worker"
                      }
                    },
                    "expired_leases": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "dead_letters": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "generated_at": {
                      "type": "string",
                      "format": "date-time"
                    }
                  }
                },
                "QueueStats": {
                  "type": "object",
                  "required": [
                    "queue",
                    "available",
                    "scheduled",
                    "blocked",
                    "running",
                    "retryable",
                    "completed_today",
                    "failed_today",
                    "expired_leases",
                    "dead_letters",
                    "no_live_worker"
                  ],
                  "additionalProperties": false,
                  "properties": {
                    "queue": {
                      "type": "string"
                    },
                    "available": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "scheduled": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "blocked": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "running": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "retryable": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "completed_today": {
                      "type": "integer",
                      "minimum": 0,
                      "description": "Since midnight UTC."
                    },
                    "failed_today": {
                      "type": "integer",
                      "minimum": 0,
                      "description": "Discarded or cancelled since midnight UTC."
                    },
                    "expired_leases": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "dead_letters": {
                      "type": "integer",
                      "minimum": 0,
                      "description": "Discarded tasks kept, whenever they failed."
                    },
                    "no_live_worker": {
                      "type": "boolean",
                      "description": "Tasks wait and no live worker serves the queue."
                    }
                  }
                },
                "Worker": {
                  "type": "object",
                  "required": [
                    "id",
                    "host",
                    "pid",
                    "queues",
                    "capacity",
                    "started_at",
                    "last_heartbeat_at",
                    "stale"
                  ],
                  "additionalProperties": false,
                  "properties": {
                    "id": {
                      "type": "string"
                    },
                    "host": {
                      "type": "string"
                    },
                    "pid": {
                      "type": "integer"
                    },
                    "queues": {
                      "type": "array",
                      "items": {
                        "type": "string"
                      }
                    },
                    "capacity": {
                      "type": "integer"
                    },
                    "started_at": {
                      "type": "string",
                      "format": "date-time"
                    },
                    "last_heartbeat_at": {
                      "type": "string",
                      "format": "date-time"
                    },
                    "stale": {
                      "type": "boolean",
                      "description": "No heartbeat for a minute."
                    }
                  }
                }
              }
            }
            """##)
}
