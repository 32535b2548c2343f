namespace Licenz.Server.Tests.Contract;

/// <summary>A small hand-written OpenAPI 3.1 document for testing the checker on its own.</summary>
internal static class SmallApi
{
    public const string Document = """
        {
          "openapi": "3.1.1",
          "info": { "title": "Widgets", "version": "v1" },
          "paths": {
            "/api/v1/widgets": {
              "get": {
                "parameters": [ { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100 } } ],
                "responses": {
                  "200": { "$ref": "#/components/responses/WidgetList" }
                }
              },
              "post": {
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreateWidget" } } } },
                "responses": {
                  "201": { "description": "Created", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Widget" } } } },
                  "4XX": { "description": "Refused", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
                }
              }
            },
            "/api/v1/widgets/{id}": {
              "parameters": [ { "name": "id", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^w_" } } ],
              "get": {
                "responses": {
                  "200": { "description": "OK", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Widget" } } } },
                  "404": { "description": "Not found", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
                }
              }
            },
            "/api/v1/.well-known/jwks.json": {
              "get": { "responses": { "200": { "description": "OK", "content": { "application/jwk-set+json": { "schema": { "type": "object", "required": [ "keys" ] } } } } } }
            },
            "/api/v1/widgets/count": {
              "get": {
                "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "integer" } } } } }
              }
            }
          },
          "components": {
            "responses": {
              "WidgetList": {
                "description": "OK",
                "headers": { "X-RateLimit-Limit": { "schema": { "type": "string" } } },
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WidgetList" } } }
              }
            },
            "schemas": {
              "Widget": {
                "type": "object",
                "required": [ "id", "name" ],
                "properties": {
                  "id": { "type": "string" },
                  "name": { "type": "string" },
                  "size": { "type": [ "null", "integer" ] }
                },
                "additionalProperties": false
              },
              "WidgetList": {
                "type": "object",
                "required": [ "data" ],
                "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Widget" } } }
              },
              "CreateWidget": {
                "type": "object",
                "required": [ "name", "size" ],
                "properties": { "name": { "type": "string" }, "size": { "type": [ "null", "integer" ] } }
              },
              "Error": {
                "type": "object",
                "required": [ "error" ],
                "properties": { "error": { "type": "object", "required": [ "code", "message" ] } }
              }
            }
          }
        }
        """;

    public static OpenApiContract Contract => OpenApiContract.Parse(Document);
}
