extension OpenAPIDocument {
    /// `/healthz`, `/readyz` and `/openapi.json`.
    static let health = OpenAPIFragment(
        json: ##"""
            {
              "paths": {
                "/healthz": {
                  "get": {
                    "operationId": "health",
                    "summary": "The process is alive.",
                    "security": [],
                    "responses": {
                      "200": {
                        "description": "Alive.",
                        "content": {
                          "application/json": {
                            "schema": {
                              "$ref": "#/components/schemas/Health"
                            }
                          }
                        }
                      }
                    }
                  }
                },
                "/readyz": {
                  "get": {
                    "operationId": "ready",
                    "summary": "The database is reachable and migrated.",
                    "security": [],
                    "responses": {
                      "200": {
                        "description": "Ready.",
                        "content": {
                          "application/json": {
                            "schema": {
                              "$ref": "#/components/schemas/Health"
                            }
                          }
                        }
                      },
                      "503": {
                        "description": "Not ready.",
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
                },
                "/openapi.json": {
                  "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "security": [],
                    "responses": {
                      "200": {
                        "description": "The OpenAPI 3.1 document.",
                        "content": {
                          "application/json": {
                            "schema": {
                              "type": "object"
                            }
                          }
                        }
                      }
                    }
                  }
                }
              },
              "schemas": {
                "Health": {
                  "type": "object",
                  "required": [
                    "status"
                  ],
                  "additionalProperties": false,
                  "properties": {
                    "status": {
                      "type": "string",
                      "enum": [
                        "ok",
                        "ready"
                      ]
                    }
                  }
                }
              }
            }
            """##)
}
