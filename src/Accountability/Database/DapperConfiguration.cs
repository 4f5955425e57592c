using System.Data;
using Dapper;

namespace Accountability.Database;

/// <summary>
/// Instants are <see cref="DateTimeOffset"/> in the engine (that is what <see cref="TimeProvider"/> gives) while Npgsql
/// reads timestamptz as UTC <see cref="DateTime"/>. This handler bridges the two for Dapper in both directions, and
/// writes every instant as UTC: Npgsql refuses a timestamptz parameter with a non-zero offset, and a campaign-local
/// instant (+08:00) must store as the same instant.
/// </summary>
public static class DapperConfiguration
{
    private static int _configured;

    public static void Configure()
    {
        if (Interlocked.Exchange(ref _configured, 1) == 1)
        {
            return;
        }

        SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());
        // Npgsql reports array columns as System.Array, which Dapper will not match to a record's string[] or long[]
        // constructor parameter unless a handler vouches for the type.
        SqlMapper.AddTypeHandler(new ArrayHandler<string>());
        SqlMapper.AddTypeHandler(new ArrayHandler<long>());
        SqlMapper.AddTypeHandler(new ArrayHandler<int>());
    }

    private sealed class ArrayHandler<T> : SqlMapper.TypeHandler<T[]>
    {
        public override void SetValue(IDbDataParameter parameter, T[]? value) => parameter.Value = value ?? (object)DBNull.Value;

        public override T[] Parse(object value) => (T[])value;
    }

    private sealed class DateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
        {
            parameter.DbType = DbType.DateTimeOffset;
            parameter.Value = value.ToUniversalTime();
        }

        public override DateTimeOffset Parse(object value) => value switch
        {
            DateTimeOffset instant => instant,
            DateTime utc => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)),
            _ => throw new DataException($"Cannot read {value.GetType().Name} as an instant."),
        };
    }
}
