import Foundation

/// The OpenAPI 3.1 document of the service, served at `/openapi.json`: the one description of the
/// API, which the tests check every answer against.
///
/// It is the base below (info, security, the error format) plus one fragment per route group, each
/// in its own file next to the routes it describes (`OpenAPIDocument+Jobs.swift`…). A fragment is a
/// JSON object with `paths` and, optionally, `schemas`, `parameters` and `responses` for
/// `components`. A new route group adds its fragment file and one line to ``fragments``.
enum OpenAPIDocument {
    /// One line per route group.
    static let fragments: [OpenAPIFragment] = [
        health,
        jobs,
        stats,
        live,
    ]

    /// The whole document as JSON bytes, merged once.
    static let data: Data = {
        do {
            return try JSONSerialization.data(withJSONObject: try merged(), options: [.sortedKeys])
        } catch {
            preconditionFailure("the OpenAPI document does not parse: \(error)")
        }
    }()

    /// The base with every fragment merged in; a path or component defined twice is a bug.
    static func merged() throws -> [String: Any] {
        guard var document = try JSONSerialization.jsonObject(with: Data(base.utf8)) as? [String: Any],
            var paths = document["paths"] as? [String: Any],
            var components = document["components"] as? [String: Any]
        else { throw OpenAPIFragment.Malformed(reason: "the base is not an object with paths and components") }
        for fragment in fragments {
            let object = try fragment.object()
            for (path, item) in object["paths"] as? [String: Any] ?? [:] {
                guard paths[path] == nil else { throw OpenAPIFragment.Malformed(reason: "path \(path) twice") }
                paths[path] = item
            }
            for section in ["schemas", "parameters", "responses"] {
                var merged = components[section] as? [String: Any] ?? [:]
                for (name, value) in object[section] as? [String: Any] ?? [:] {
                    guard merged[name] == nil else {
                        throw OpenAPIFragment.Malformed(reason: "\(section) \(name) twice")
                    }
                    merged[name] = value
                }
                components[section] = merged
            }
        }
        document["paths"] = paths
        document["components"] = components
        return document
    }

    static let base = ##"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Conveyor",
            "version": "1.0.0",
            "description": "The HTTP API of Conveyor, a distributed job queue: create jobs made of tasks, follow them, cancel and retry them. Every /v1 endpoint takes `Authorization: Bearer <token>` (from `conveyor tokens create`), except signed artifact downloads. An owner's token sees and acts only on that owner's jobs: another owner's id answers 404 exactly like an id that does not exist. Every error has the body {\"error\": {\"code\", \"message\"}}."
          },
          "servers": [
            {
              "url": "/"
            }
          ],
          "security": [
            {
              "bearer": []
            }
          ],
          "paths": {},
          "components": {
            "securitySchemes": {
              "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from `conveyor tokens create`."
              }
            },
            "schemas": {
              "Error": {
                "type": "object",
                "required": [
                  "error"
                ],
                "additionalProperties": false,
                "properties": {
                  "error": {
                    "type": "object",
                    "required": [
                      "code",
                      "message"
                    ],
                    "additionalProperties": false,
                    "properties": {
                      "code": {
                        "type": "string",
                        "description": "Stable and machine-readable, e.g. unknown_field, not_found, rate_limited."
                      },
                      "message": {
                        "type": "string",
                        "description": "What went wrong and what to fix."
                      }
                    }
                  }
                }
              }
            },
            "responses": {
              "BadRequest": {
                "description": "The request is malformed: invalid JSON or UTF-8, an unknown or read-only field (named in the message), a bad value.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "Unauthorized": {
                "description": "No bearer token, or an unknown or revoked one.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "Forbidden": {
                "description": "The token's role may not use this endpoint.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "NotFound": {
                "description": "No such job, or one of another owner: the two answer the same.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "Conflict": {
                "description": "The request conflicts with the job's state or an earlier request.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "TooLarge": {
                "description": "The request body is over the limit (1 MiB by default).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "RateLimited": {
                "description": "Too many jobs created with this token; wait the Retry-After seconds.",
                "headers": {
                  "Retry-After": {
                    "description": "Seconds to wait.",
                    "schema": {
                      "type": "string",
                      "pattern": "^[0-9]+$"
                    }
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "Unavailable": {
                "description": "The database cannot be reached; try again.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            }
          }
        }
        """##
}

/// Part of the OpenAPI document: the paths of one route group and the components they use.
struct OpenAPIFragment: Sendable {
    struct Malformed: Error {
        var reason: String
    }

    var json: String

    func object() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw Malformed(reason: "a fragment is not a JSON object")
        }
        return object
    }
}
