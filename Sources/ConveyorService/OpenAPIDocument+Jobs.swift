extension OpenAPIDocument {
    /// `/v1/jobs`: create, list, read, cancel, retry.
    static let jobs = OpenAPIFragment(
        json: ##"""
            {
              "paths": {
                "/v1/jobs": {
                  "post": {
                    "operationId": "createJob",
                    "summary": "Create a job.",
                    "description": "From `tasks` (explicit tasks with dependencies by name), or from `input` for a kind that has a registered recipe, or else as one task of `kind` with `input`. `queue`, `priority`, `run_at` and `max_attempts` apply to every task that does not set its own. With an `Idempotency-Key`, a retried request with the same body returns the first job with 200 and `Idempotent-Replayed: true`; the same key with another body is 409. At most 10,000 tasks per job.",
                    "parameters": [
                      {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": false,
                        "description": "Makes a retried create return the first job (per owner).",
                        "schema": {
                          "type": "string",
                          "minLength": 1,
                          "maxLength": 255,
                          "pattern": "^[!-~]+$"
                        }
                      }
                    ],
                    "requestBody": {
                      "required": true,
                      "content": {
                        "application/json": {
                          "schema": {
                            "$ref": "#/components/schemas/CreateJob"
                          }
                        }
                      }
                    },
                    "responses": {
                      "201": {
                        "description": "Created.",
                        "headers": {
                          "Location": {
                            "description": "The job's URL.",
                            "schema": {
                              "type": "string"
                            }
                          }
                        },
                        "content": {
                          "application/json": {
                            "schema": {
                              "$ref": "#/components/schemas/Job"
                            }
                          }
                        }
                      },
                      "200": {
                        "description": "The job an earlier request with this Idempotency-Key created.",
                        "headers": {
                          "Idempotent-Replayed": {
                            "description": "Always true.",
                            "schema": {
                              "type": "string",
                              "enum": [
                                "true"
                              ]
                            }
                          }
                        },
                        "content": {
                          "application/json": {
                            "schema": {
                              "$ref": "#/components/schemas/Job"
                            }
                          }
                        }
                      },
                      "400": {
                        "$ref": "#/components/responses/BadRequest"
                      },
                      "401": {
                        "$ref": "#/components/responses/Unauthorized"
                      },
                      "409": {
                        "$ref": "#/components/responses/Conflict"
                      },
                      "413": {
                        "$ref": "#/components/responses/TooLarge"
                      },
                      "429": {
                        "$ref": "#/components/responses/RateLimited"
                      },
                      "503": {
                        "$ref": "#/components/responses/Unavailable"
                      }
                    }
                  },
                  "get": {
                    "operationId": "listJobs",
                    "summary": "List jobs, newest first.",
                    "description": "An owner's token lists its own jobs; an admin's, everyone's. A page may hold fewer than `limit` jobs when a state filter skips some: follow `next_cursor` until it is null.",
                    "parameters": [
                      {
                        "name": "state",
                        "in": "query",
                        "required": false,
                        "description": "Only jobs in this state (several may be given comma-separated).",
                        "schema": {
                          "type": "string",
                          "enum": [
                            "queued",
                            "running",
                            "completed",
                            "failed",
                            "cancelled"
                          ]
                        }
                      },
                      {
                        "name": "kind",
                        "in": "query",
                        "required": false,
                        "description": "Only jobs of this kind.",
                        "schema": {
                          "type": "string"
                        }
                      },
                      {
                        "name": "cursor",
                        "in": "query",
                        "required": false,
                        "description": "The next_cursor of the previous page.",
                        "schema": {
                          "type": "string",
                          "pattern": "^[1-9][0-9]{0,17}$"
                        }
                      },
                      {
                        "name": "limit",
                        "in": "query",
                        "required": false,
                        "description": "Jobs per page (default 50).",
                        "schema": {
                          "type": "integer",
                          "minimum": 1,
                          "maximum": 200
                        }
                      }
                    ],
                    "responses": {
                      "200": {
                        "description": "A page of jobs.",
                        "content": {
                          "application/json": {
                            "schema": {
                              "$ref": "#/components/schemas/JobList"
                            }
                          }
                        }
                      },
                      "400": {
                        "$ref": "#/components/responses/BadRequest"
                      },
                      "401": {
                        "$ref": "#/components/responses/Unauthorized"
                      },
                      "503": {
                        "$ref": "#/components/responses/Unavailable"
                      }
                    }
                  }
                },
                "/v1/jobs/{id}": {
                  "get": {
                    "operationId": "getJob",
                    "summary": "A job with its tasks: state, progress, attempts, last error, result, timestamps.",
                    "parameters": [
                      {
                        "$ref": "#/components/parameters/JobID"
                      }
                    ],
                    "responses": {
                      "200": {
                        "description": "The job.",
                        "content": {
                          "application/json": {
                            "schema": {
                              "$ref": "#/components/schemas/Job"
                            }
                          }
                        }
                      },
                      "401": {
                        "$ref": "#/components/responses/Unauthorized"
                      },
                      "404": {
                        "$ref": "#/components/responses/NotFound"
                      },
                      "503": {
                        "$ref": "#/components/responses/Unavailable"
                      }
                    }
                  }
                },
                "/v1/jobs/{id}/cancel": {
                  "post": {
                    "operationId": "cancelJob",
                    "summary": "Cancel the job's unfinished tasks; a running handler is cancelled within about a second.",
                    "parameters": [
                      {
                        "$ref": "#/components/parameters/JobID"
                      }
                    ],
                    "responses": {
                      "200": {
                        "description": "The job after cancellation.",
                        "content": {
                          "application/json": {
                            "schema": {
                              "$ref": "#/components/schemas/Job"
                            }
                          }
                        }
                      },
                      "401": {
                        "$ref": "#/components/responses/Unauthorized"
                      },
                      "404": {
                        "$ref": "#/components/responses/NotFound"
                      },
                      "409": {
                        "$ref": "#/components/responses/Conflict"
                      },
                      "503": {
                        "$ref": "#/components/responses/Unavailable"
                      }
                    }
                  }
                },
                "/v1/jobs/{id}/retry": {
                  "post": {
                    "operationId": "retryJob",
                    "summary": "Run a failed job's discarded and cancelled tasks again, with a fresh attempt budget.",
                    "parameters": [
                      {
                        "$ref": "#/components/parameters/JobID"
                      }
                    ],
                    "responses": {
                      "200": {
                        "description": "The job after the redrive.",
                        "content": {
                          "application/json": {
                            "schema": {
                              "$ref": "#/components/schemas/Job"
                            }
                          }
                        }
                      },
                      "401": {
                        "$ref": "#/components/responses/Unauthorized"
                      },
                      "404": {
                        "$ref": "#/components/responses/NotFound"
                      },
                      "409": {
                        "$ref": "#/components/responses/Conflict"
                      },
                      "503": {
                        "$ref": "#/components/responses/Unavailable"
                      }
                    }
                  }
                }
              },
              "parameters": {
                "JobID": {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "description": "The job's id.",
                  "schema": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1
                  }
                }
              },
              "schemas": {
                "CreateJob": {
                  "type": "object",
                  "required": [
                    "kind"
                  ],
                  "additionalProperties": false,
                  "properties": {
                    "kind": {
                      "type": "string",
                      "minLength": 1,
                      "maxLength": 200,
                      "description": "A registered recipe, or the kind of the job's one task; the job's kind with `tasks`.",
                      "pattern": "^[^\\u0000\\n\\r\\u000b\\u000c\\u0085\\u2028\\u2029]+$"
                    },
                    "input": {
                      "description": "Any JSON: the one task's input, or the recipe's. Not with `tasks`."
                    },
                    "tasks": {
                      "type": "array",
                      "minItems": 1,
                      "maxItems": 10000,
                      "items": {
                        "$ref": "#/components/schemas/CreateTask"
                      }
                    },
                    "queue": {
                      "type": "string",
                      "minLength": 1,
                      "maxLength": 200,
                      "pattern": "^[^\\u0000\\n\\r\\u000b\\u000c\\u0085\\u2028\\u2029]+$"
                    },
                    "priority": {
                      "type": "integer",
                      "minimum": -32768,
                      "maximum": 32767,
                      "description": "Lower runs first; default 0."
                    },
                    "run_at": {
                      "type": "string",
                      "format": "date-time",
                      "description": "Not before this time (1970 to 9999); default now."
                    },
                    "max_attempts": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 16383
                    },
                    "metadata": {
                      "type": "object",
                      "description": "Kept with the job and shown back."
                    }
                  },
                  "not": {
                    "required": [
                      "input",
                      "tasks"
                    ]
                  }
                },
                "CreateTask": {
                  "type": "object",
                  "required": [
                    "kind"
                  ],
                  "additionalProperties": false,
                  "properties": {
                    "name": {
                      "type": "string",
                      "minLength": 1,
                      "maxLength": 200,
                      "description": "Unique in the job: how other tasks name it in depends_on.",
                      "pattern": "^[^\\u0000\\n\\r\\u000b\\u000c\\u0085\\u2028\\u2029]+$"
                    },
                    "kind": {
                      "type": "string",
                      "minLength": 1,
                      "maxLength": 200,
                      "pattern": "^[^\\u0000\\n\\r\\u000b\\u000c\\u0085\\u2028\\u2029]+$"
                    },
                    "input": {
                      "description": "Any JSON."
                    },
                    "queue": {
                      "type": "string",
                      "minLength": 1,
                      "maxLength": 200,
                      "pattern": "^[^\\u0000\\n\\r\\u000b\\u000c\\u0085\\u2028\\u2029]+$"
                    },
                    "priority": {
                      "type": "integer",
                      "minimum": -32768,
                      "maximum": 32767
                    },
                    "run_at": {
                      "type": "string",
                      "format": "date-time"
                    },
                    "max_attempts": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 16383
                    },
                    "depends_on": {
                      "type": "array",
                      "items": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 200,
                        "pattern": "^[^\\u0000\\n\\r\\u000b\\u000c\\u0085\\u2028\\u2029]+$"
                      },
                      "description": "Names of tasks of the job that must complete first."
                    }
                  }
                },
                "JobState": {
                  "type": "string",
                  "enum": [
                    "queued",
                    "running",
                    "completed",
                    "failed",
                    "cancelled"
                  ]
                },
                "TaskState": {
                  "type": "string",
                  "enum": [
                    "blocked",
                    "scheduled",
                    "available",
                    "running",
                    "retryable",
                    "completed",
                    "discarded",
                    "cancelled"
                  ]
                },
                "Job": {
                  "type": "object",
                  "required": [
                    "id",
                    "owner",
                    "kind",
                    "state",
                    "progress",
                    "result",
                    "metadata",
                    "idempotency_key",
                    "task_count",
                    "tasks",
                    "created_at",
                    "finished_at"
                  ],
                  "additionalProperties": false,
                  "properties": {
                    "id": {
                      "type": "integer",
                      "format": "int64"
                    },
                    "owner": {
                      "type": "string"
                    },
                    "kind": {
                      "type": "string"
                    },
                    "state": {
                      "$ref": "#/components/schemas/JobState"
                    },
                    "progress": {
                      "type": "number",
                      "minimum": 0,
                      "maximum": 1
                    },
                    "result": {
                      "description": "Once completed: the final task's result, or an object of the final tasks' results by name; else null."
                    },
                    "metadata": {
                      "type": [
                        "object",
                        "null"
                      ]
                    },
                    "idempotency_key": {
                      "type": [
                        "string",
                        "null"
                      ]
                    },
                    "task_count": {
                      "type": "integer",
                      "minimum": 1
                    },
                    "tasks": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Task"
                      }
                    },
                    "created_at": {
                      "type": "string",
                      "format": "date-time"
                    },
                    "finished_at": {
                      "type": [
                        "string",
                        "null"
                      ],
                      "format": "date-time"
                    }
                  }
                },
                "Task": {
                  "type": "object",
                  "required": [
                    "id",
                    "name",
                    "kind",
                    "queue",
                    "state",
                    "priority",
                    "attempt",
                    "max_attempts",
                    "progress",
                    "progress_message",
                    "depends_on",
                    "input",
                    "result",
                    "last_error",
                    "run_at",
                    "created_at",
                    "attempted_at",
                    "finished_at"
                  ],
                  "additionalProperties": false,
                  "properties": {
                    "id": {
                      "type": "integer",
                      "format": "int64"
                    },
                    "name": {
                      "type": [
                        "string",
                        "null"
                      ]
                    },
                    "kind": {
                      "type": "string"
                    },
                    "queue": {
                      "type": "string"
                    },
                    "state": {
                      "$ref": "#/components/schemas/TaskState"
                    },
                    "priority": {
                      "type": "integer"
                    },
                    "attempt": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "max_attempts": {
                      "type": "integer",
                      "minimum": 1
                    },
                    "progress": {
                      "type": [
                        "integer",
                        "null"
                      ],
                      "minimum": 0,
                      "maximum": 100
                    },
                    "progress_message": {
                      "type": [
                        "string",
                        "null"
                      ]
                    },
                    "depends_on": {
                      "type": "array",
                      "items": {
                        "type": "integer",
                        "format": "int64"
                      }
                    },
                    "input": {
                      "description": "The task's input, as given."
                    },
                    "result": {
                      "description": "The handler's result once completed; else null."
                    },
                    "last_error": {
                      "oneOf": [
                        {
                          "type": "null"
                        },
                        {
                          "$ref": "#/components/schemas/AttemptError"
                        }
                      ]
                    },
                    "run_at": {
                      "type": "string",
                      "format": "date-time"
                    },
                    "created_at": {
                      "type": "string",
                      "format": "date-time"
                    },
                    "attempted_at": {
                      "type": [
                        "string",
                        "null"
                      ],
                      "format": "date-time"
                    },
                    "finished_at": {
                      "type": [
                        "string",
                        "null"
                      ],
                      "format": "date-time"
                    }
                  }
                },
                "AttemptError": {
                  "type": "object",
                  "required": [
                    "attempt",
                    "at",
                    "error"
                  ],
                  "additionalProperties": false,
                  "properties": {
                    "attempt": {
                      "type": "integer"
                    },
                    "at": {
                      "type": "string",
                      "format": "date-time"
                    },
                    "error": {
                      "type": "string"
                    }
                  }
                },
                "JobSummary": {
                  "type": "object",
                  "required": [
                    "id",
                    "owner",
                    "kind",
                    "state",
                    "progress",
                    "task_count",
                    "created_at",
                    "finished_at"
                  ],
                  "additionalProperties": false,
                  "properties": {
                    "id": {
                      "type": "integer",
                      "format": "int64"
                    },
                    "owner": {
                      "type": "string"
                    },
                    "kind": {
                      "type": "string"
                    },
                    "state": {
                      "$ref": "#/components/schemas/JobState"
                    },
                    "progress": {
                      "type": "number",
                      "minimum": 0,
                      "maximum": 1
                    },
                    "task_count": {
                      "type": "integer",
                      "minimum": 1
                    },
                    "created_at": {
                      "type": "string",
                      "format": "date-time"
                    },
                    "finished_at": {
                      "type": [
                        "string",
                        "null"
                      ],
                      "format": "date-time"
                    }
                  }
                },
                "JobList": {
                  "type": "object",
                  "required": [
                    "jobs",
                    "next_cursor"
                  ],
                  "additionalProperties": false,
                  "properties": {
                    "jobs": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/JobSummary"
                      }
                    },
                    "next_cursor": {
                      "type": [
                        "string",
                        "null"
                      ],
                      "description": "Pass as cursor for the next page; null on the last."
                    }
                  }
                }
              }
            }
            """##)
}
