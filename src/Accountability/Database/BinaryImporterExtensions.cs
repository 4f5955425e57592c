using Npgsql;
using NpgsqlTypes;

namespace Accountability.Database;

/// <summary>A nullable field of a binary COPY row: the value, or SQL NULL. Written synchronously into the importer's
/// buffer (which flushes when full): the bulk writers write tens of thousands of fields, and an awaited write per field
/// registers the cancellation token each time.</summary>
public static class BinaryImporterExtensions
{
    public static void WriteNullable<T>(this NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type) where T : struct
    {
        if (value is { } v)
        {
            copy.Write(v, type);
        }
        else
        {
            copy.WriteNull();
        }
    }

    public static void WriteNullable<T>(this NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type) where T : class
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, type);
        }
    }
}
