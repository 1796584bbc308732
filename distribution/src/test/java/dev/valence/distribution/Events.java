package dev.valence.distribution;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Pattern;

/** A server-sent event stream being read: its events one by one, as {@code name} and {@code data}. */
final class Events implements AutoCloseable {
    final HttpResponse<java.util.stream.Stream<String>> response;
    final java.util.Iterator<String> lines;

    /** Opens the stream at {@code uri}. */
    static Events open(HttpClient http, URI uri) throws Exception {
        return new Events(http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofLines()));
    }

    Events(HttpResponse<java.util.stream.Stream<String>> response) {
        this.response = response;
        this.lines = response.body().iterator();
    }

    record Event(String name, String data) {
    }

    /** The next event (retry lines and comments skipped); null when the stream ended. */
    Event next() {
        String name = "message";
        StringBuilder data = new StringBuilder();
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.isEmpty() && data.length() > 0) {
                return new Event(name, data.toString());
            } else if (line.startsWith("event: ")) {
                name = line.substring(7);
            } else if (line.startsWith("data: ")) {
                data.append(data.length() > 0 ? "\n" : "").append(line.substring(6));
            }
        }
        return null;
    }

    /** Events until one named {@code name} whose data matches {@code regex} somewhere; fails when the stream ends first. */
    Event until(String name, String regex) {
        Pattern p = Pattern.compile(regex);
        for (Event e = next(); e != null; e = next()) {
            if (e.name().equals(name) && p.matcher(e.data()).find()) {
                return e;
            }
        }
        throw new AssertionError("the stream ended before an event '" + name + "' matching " + regex);
    }

    @Override
    public void close() {
        response.body().close();
    }
}
