extension OpenAPIDocument {
    /// `/v1/jobs/{id}/events` (Server-Sent Events), `/v1/jobs/{id}/artifacts` and the signed
    /// downloads under `/v1/artifacts/`.
    static let live = OpenAPIFragment(
        json: ##"""
            {
              "paths": {
                "/v1/jobs/{id}/events": {
                  "get": {
                    "operationId": "streamJobEvents",
                    "summary": "The job's changes as Server-Sent Events, until the job ends.",
                    "description": "A `text/event-stream`: one `event: change` per change of a task (state, attempt, progress, last error) with the job's state after it, its `id` the change's position in the job's feed (from 1), then one `event: end` once the job has completed, failed or been cancelled, and the stream closes. A client that reconnects with `Last-Event-ID` (or `?after=`) gets every later change, in order, none twice. The `data` of a change is a JobEvent, of the end a JobEventEnd.",
                    "parameters": [
                      {
                        "$ref": "#/components/parameters/JobID"
                      },
                      {
                        "name": "Last-Event-ID",
                        "in": "header",
                        "required": false,
                        "description": "The id of the last event received: the stream resumes after it.",
                        "schema": {
                          "type": "string",
                          "pattern": "^[0-9]{1,18}$"
                        }
                      },
                      {
                        "name": "after",
                        "in": "query",
                        "required": false,
                        "description": "As Last-Event-ID, for clients that cannot set headers.",
                        "schema": {
                          "type": "integer",
                          "minimum": 0,
                          "maximum": 999999999999999999
                        }
                      }
                    ],
                    "responses": {
                      "200": {
                        "description": "The stream.",
                        "content": {
                          "text/event-stream": {
                            "schema": {
                              "type": "string"
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
                      "404": {
                        "$ref": "#/components/responses/NotFound"
                      },
                      "503": {
                        "$ref": "#/components/responses/Unavailable"
                      }
                    }
                  }
                },
                "/v1/jobs/{id}/artifacts": {
                  "get": {
                    "operationId": "listJobArtifacts",
                    "summary": "The job's artifacts, each with an expiring download URL.",
                    "description": "A store that signs its own URLs (S3) gives presigned URLs; otherwise the URL is this service's `/v1/artifacts/…`, signed with HMAC-SHA256 and valid for an hour by default.",
                    "parameters": [
                      {
                        "$ref": "#/components/parameters/JobID"
                      }
                    ],
                    "responses": {
                      "200": {
                        "description": "The artifacts, by task then name.",
                        "content": {
                          "application/json": {
                            "schema": {
                              "$ref": "#/components/schemas/ArtifactList"
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
                "/v1/artifacts/{owner}/{job}/{task}/{name}": {
                  "get": {
                    "operationId": "downloadArtifact",
                    "summary": "An artifact's bytes, through a signed URL from listJobArtifacts.",
                    "description": "The path is the artifact's storage key. No bearer token: the signature is the proof. An expired or altered URL is 403.",
                    "security": [],
                    "parameters": [
                      {
                        "name": "owner",
                        "in": "path",
                        "required": true,
                        "description": "The job's owner, percent-encoded.",
                        "schema": {
                          "type": "string"
                        }
                      },
                      {
                        "name": "job",
                        "in": "path",
                        "required": true,
                        "description": "The job's id.",
                        "schema": {
                          "type": "string"
                        }
                      },
                      {
                        "name": "task",
                        "in": "path",
                        "required": true,
                        "description": "The task's id.",
                        "schema": {
                          "type": "string"
                        }
                      },
                      {
                        "name": "name",
                        "in": "path",
                        "required": true,
                        "description": "The artifact's name, percent-encoded.",
                        "schema": {
                          "type": "string"
                        }
                      },
                      {
                        "name": "expires",
                        "in": "query",
                        "required": true,
                        "description": "When the URL stops working, in seconds since 1970.",
                        "schema": {
                          "type": "string"
                        }
                      },
                      {
                        "name": "signature",
                        "in": "query",
                        "required": true,
                        "description": "HMAC-SHA256 of the path and expiry, hex.",
                        "schema": {
                          "type": "string"
                        }
                      }
                    ],
                    "responses": {
                      "200": {
                        "description": "The bytes, with the content type they were stored with.",
                        "content": {
                          "*/*": {
                            "schema": {
                              "type": "string",
                              "contentMediaType": "application/octet-stream"
                            }
                          }
                        }
                      },
                      "403": {
                        "$ref": "#/components/responses/Forbidden"
                      },
                      "404": {
                        "$ref": "#/components/responses/NotFound"
                      },
                      "503": {
                        "$ref": "#/components/responses/Unavailable"
                      }
                    }
                  }
                }
              },
              "schemas": {
                "JobEvent": {
                  "type": "object",
                  "required": [
                    "sequence",
                    "job_id",
                    "job_state",
                    "job_progress",
                    "task",
                    "at"
                  ],
                  "properties": {
                    "sequence": {
                      "type": "integer",
                      "minimum": 1,
                      "description": "The change's position in the job's feed; also the event's id."
                    },
                    "job_id": {
                      "type": "integer",
                      "format": "int64"
                    },
                    "job_state": {
                      "type": "string",
                      "enum": [
                        "queued",
                        "running",
                        "completed",
                        "failed",
                        "cancelled"
                      ]
                    },
                    "job_progress": {
                      "type": "number",
                      "minimum": 0,
                      "maximum": 1
                    },
                    "task": {
                      "type": "object",
                      "required": [
                        "id",
                        "state",
                        "attempt"
                      ],
                      "properties": {
                        "id": {
                          "type": "integer",
                          "format": "int64"
                        },
                        "name": {
                          "type": "string"
                        },
                        "state": {
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
                        "attempt": {
                          "type": "integer",
                          "minimum": 0
                        },
                        "progress": {
                          "type": "integer",
                          "minimum": 0,
                          "maximum": 100
                        },
                        "progress_message": {
                          "type": "string"
                        },
                        "last_error": {
                          "type": "string"
                        }
                      }
                    },
                    "at": {
                      "type": "string",
                      "format": "date-time"
                    }
                  }
                },
                "JobEventEnd": {
                  "type": "object",
                  "required": [
                    "job_id"
                  ],
                  "properties": {
                    "job_id": {
                      "type": "integer",
                      "format": "int64"
                    },
                    "job_state": {
                      "type": "string"
                    }
                  }
                },
                "ArtifactList": {
                  "type": "object",
                  "required": [
                    "artifacts"
                  ],
                  "properties": {
                    "artifacts": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Artifact"
                      }
                    }
                  }
                },
                "Artifact": {
                  "type": "object",
                  "required": [
                    "task_id",
                    "name",
                    "content_type",
                    "size",
                    "sha256",
                    "url",
                    "expires_at",
                    "created_at"
                  ],
                  "properties": {
                    "task_id": {
                      "type": "integer",
                      "format": "int64"
                    },
                    "name": {
                      "type": "string"
                    },
                    "content_type": {
                      "type": "string"
                    },
                    "size": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "sha256": {
                      "type": "string",
                      "pattern": "^[0-9a-f]{64}$"
                    },
                    "url": {
                      "type": "string",
                      "description": "Absolute for a presigned store URL; else this service's path (absolute when it knows its public origin)."
                    },
                    "expires_at": {
                      "type": "string",
                      "format": "date-time"
                    },
                    "created_at": {
                      "type": "string",
                      "format": "date-time"
                    }
                  }
                }
              }
            }
            """##)
}
