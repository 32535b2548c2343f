using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Licenz.Server.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Licenz.Server.OpenApi;

/// <summary>
/// Puts the rules the server enforces into the document's schemas, read from the same declarations the server checks:
/// enum names (<see cref="ApiNames"/>), the lengths and patterns of the Licenz validation attributes, metadata objects
/// that may be null, and query parameters with their rule and description.
/// </summary>
internal static class RequestSchemas
{
    public static Task DescribeSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        var enumType = QueryEnum.EnumOf(type) ?? Nullable.GetUnderlyingType(type) ?? type;
        if (enumType.IsEnum)
        {
            schema.Type = Nullable.GetUnderlyingType(type) is null ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
            schema.Enum = ApiNames.Of(enumType).Select(name => (JsonNode)JsonValue.Create(name)).ToList();
            schema.Format = null;
        }

        // Timestamps go through UtcTimestampConverter, which the schema generator cannot see into: say what it writes and reads.
        if ((Nullable.GetUnderlyingType(type) ?? type) == typeof(DateTime))
        {
            var nullable = Nullable.GetUnderlyingType(type) is not null || context.JsonPropertyInfo?.IsSetNullable == true;
            schema.Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
            schema.Format = "date-time";
        }

        // Seconds, or an ISO-8601 duration text (P30D): the one kind of field that takes either; answers give seconds.
        if (type == typeof(Policies.PolicyDuration))
        {
            schema.Type = JsonSchemaType.Integer | JsonSchemaType.String;
            schema.Properties?.Clear();
            schema.Required?.Clear();
            schema.Description ??= "Seconds, or an ISO-8601 duration such as P30D, P1Y or PT12H.";
        }

        // Only metadata is free-form JSON, and it is always an object.
        if (type == typeof(JsonElement))
        {
            schema.Type = JsonSchemaType.Object;
            schema.MaxProperties = MetadataObjectAttribute.MaxKeys;
            schema.Description ??= $"A JSON object of at most {MetadataObjectAttribute.MaxKeys} keys and {MetadataObjectAttribute.MaxBytes} bytes.";
        }

        if (context.JsonPropertyInfo?.AttributeProvider is { } property)
        {
            Apply(schema, property.GetCustomAttributes(typeof(ValidationAttribute), inherit: true).OfType<ValidationAttribute>());
        }

        return Task.CompletedTask;
    }

    private static void Apply(OpenApiSchema schema, IEnumerable<ValidationAttribute> rules)
    {
        foreach (var rule in rules)
        {
            switch (rule)
            {
                case PrintableTextAttribute text:
                    schema.MinLength = 1;
                    schema.MaxLength = text.MaxLength;
                    break;
                case EmailAttribute:
                    schema.MinLength = 3;
                    schema.MaxLength = EmailAttribute.MaxLength;
                    schema.Format = "email";
                    break;
                case NonceAttribute:
                    schema.MinLength = NonceAttribute.MinLength;
                    schema.MaxLength = NonceAttribute.MaxLength;
                    schema.Pattern = NonceAttribute.Pattern;
                    break;
                case MetadataObjectAttribute:
                    schema.Type = JsonSchemaType.Object | JsonSchemaType.Null;
                    schema.MaxProperties = MetadataObjectAttribute.MaxKeys;
                    schema.Description ??= $"A JSON object of at most {MetadataObjectAttribute.MaxKeys} keys and {MetadataObjectAttribute.MaxBytes} bytes.";
                    break;
                case Products.ProductCodeAttribute:
                    schema.Pattern = Products.ProductCodeAttribute.Pattern;
                    break;
                case Entitlements.EntitlementCodeAttribute:
                    schema.Pattern = Entitlements.EntitlementCodeAttribute.Pattern;
                    break;
                case Machines.ComponentsAttribute:
                    schema.MaxProperties = Machines.MachineRules.MaxComponents;
                    break;
            }
        }
    }

    /// <summary>Each query parameter with its description, type and rule, from the endpoint's <see cref="QueryParameterRules"/>.</summary>
    public static void DescribeQuery(OpenApiOperation operation, IList<object> metadata)
    {
        if (metadata.OfType<QueryParameterRules>().LastOrDefault() is not { } rules || operation.Parameters is null)
        {
            return;
        }

        foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Query))
        {
            if (rules.Parameters.FirstOrDefault(p => p.Name == parameter.Name) is not { } rule)
            {
                continue;
            }

            var schema = new OpenApiSchema();
            if (rule.Type.IsEnum)
            {
                schema.Type = JsonSchemaType.String;
                schema.Enum = ApiNames.Of(rule.Type).Select(name => (JsonNode)JsonValue.Create(name)).ToList();
            }
            else if (rule.Type == typeof(int))
            {
                schema.Type = JsonSchemaType.Integer;
                schema.Format = "int32";
                if (rule.Range is { } range)
                {
                    schema.Minimum = Convert.ToString(range.Minimum, System.Globalization.CultureInfo.InvariantCulture);
                    schema.Maximum = Convert.ToString(range.Maximum, System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            else
            {
                schema.Type = JsonSchemaType.String;
            }

            parameter.Schema = schema;
            parameter.Required = false;
            var constrained = rule.Type.IsEnum || rule.Range is not null;
            parameter.Description = (rule.Description, constrained) switch
            {
                ({ } description, true) => $"{description} It {rule.Rule}.",
                ({ } description, false) => description,
                (null, _) => $"It {rule.Rule}.",
            };
        }
    }
}
