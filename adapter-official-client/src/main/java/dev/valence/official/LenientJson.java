package dev.valence.official;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.JSON;
import java.io.IOException;
import java.lang.reflect.Type;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import okhttp3.Call;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Reads API answers into client-java's models the way kubectl reads them: unknown fields are
 * ignored and absent "required" ones left null. client-java's own reader rejects both (a
 * {@code V1PodStatus} from a newer API server with a field it does not know fails the whole list,
 * kubernetes-client/java#4809, #3980, #3428), and a Job follower must not break on a cluster
 * upgrade. Same date, byte and quantity handling as client-java; only the validating model
 * adapters are left out.
 */
final class LenientJson {
    private static final Gson GSON = JSON.createGson()
            .registerTypeAdapter(OffsetDateTime.class, new JSON.OffsetDateTimeTypeAdapter())
            .registerTypeAdapter(LocalDate.class, new JSON.LocalDateTypeAdapter())
            .registerTypeAdapter(byte[].class, new JSON.ByteArrayAdapter())
            .create();

    private LenientJson() {
    }

    /** Reads a JSON tree (one object of a watch event) as {@code type}; null for null. */
    static <T> T read(com.google.gson.JsonElement json, Class<T> type) {
        return json == null || json.isJsonNull() ? null : GSON.fromJson(json, type);
    }

    /**
     * Sends a request client-java built ({@code ...Request.buildCall(null)}, so with its
     * authentication) and reads the answer as {@code type}; {@code String} gives the body as text.
     * A non-2xx answer or an I/O failure is an {@link ApiException}, as client-java reports them.
     */
    static <T> T send(Call call, Type type) throws ApiException {
        try (Response response = call.execute()) {
            ResponseBody body = response.body();
            String text = body == null ? "" : body.string();
            if (!response.isSuccessful()) {
                throw new ApiException(response.message(), response.code(), response.headers().toMultimap(), text);
            }
            if (type == String.class) {
                @SuppressWarnings("unchecked")
                T t = (T) text;
                return t;
            }
            try {
                return text.isEmpty() ? null : GSON.fromJson(text, type);
            } catch (JsonParseException e) {
                throw new ApiException("cannot read the answer of " + call.request().url() + " as " + type.getTypeName()
                        + ": " + e.getMessage(), e, response.code(), response.headers().toMultimap(), text);
            }
        } catch (IOException e) {
            throw new ApiException(e);
        }
    }
}
