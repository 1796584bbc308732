package dev.valence.store.s3;

import dev.valence.api.ClusterFileRef;
import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.StoreAccess;
import dev.valence.spi.StoreKeys;
import dev.valence.spi.StoreLocation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import javax.xml.stream.XMLStreamWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * The S3 store of a task's pod: the few S3 REST calls the launcher needs (GetObject streamed, PutObject or a
 * multipart upload, HeadObject, ListObjectsV2, DeleteObjects) sent by {@link S3Requests}, without the SDK's
 * {@code S3Client}, whose start (the metadata of every AWS service, the model classes of every S3 operation)
 * was most of what S3 cost a task. Same keys, objects, errors and multipart rules as {@link S3ArtifactStore}.
 */
final class S3PodStore implements ArtifactStore {
    private static final Logger LOG = LoggerFactory.getLogger(S3PodStore.class);
    private static final int DELETE_BATCH = 1000;
    /** Keys per ListObjectsV2 page: S3's own maximum. */
    static final int LIST_PAGE = 1000;
    private static final String XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

    private final StoreLocation where;
    private final String region;
    private final String endpoint;
    private final Optional<ClusterFileRef> caBundle;
    private final S3Requests s3;
    private final S3Errors errors;
    private final int listPage;

    S3PodStore(StoreLocation where, String region, String endpoint, Optional<ClusterFileRef> caBundle, S3Requests s3) {
        this(where, region, endpoint, caBundle, s3, LIST_PAGE);
    }

    /** With {@code listPage} keys per listing page (tests page with a few). */
    S3PodStore(StoreLocation where, String region, String endpoint, Optional<ClusterFileRef> caBundle, S3Requests s3,
            int listPage) {
        this.listPage = listPage;
        this.where = where;
        this.region = region;
        this.endpoint = endpoint;
        this.caBundle = caBundle;
        this.s3 = s3;
        this.errors = new S3Errors(where, region, endpoint);
    }

    @Override
    public String location() {
        return where.toString();
    }

    @Override
    public void put(String key, InputStream data) {
        String objectKey = where.name(StoreKeys.key(key, location()));
        byte[] first;
        try {
            first = data.readNBytes(S3ArtifactStore.PART_SIZE);
        } catch (IOException e) {
            throw sourceFailed(key, e);
        }
        if (first.length < S3ArtifactStore.PART_SIZE) {
            String what = "writing " + describe(key);
            try (S3Requests.Response r = s3.send(what, SdkHttpMethod.PUT, objectKey, Map.of(), Map.of(), first, first.length)) {
                check(what, r);
            }
            LOG.debug("put {} ({} bytes)", describe(key), first.length);
            return;
        }
        multipart(key, objectKey, first, data);
    }

    /** Uploads {@code part} (full) and the rest of {@code data} in parts, reusing {@code part} as the buffer. */
    private void multipart(String key, String objectKey, byte[] part, InputStream data) {
        String what = "writing " + describe(key);
        String uploadId;
        try (S3Requests.Response r = s3.send(what, SdkHttpMethod.POST, objectKey, Map.of("uploads", ""), Map.of(),
                new byte[0], 0)) {
            check(what, r);
            uploadId = single(what, r, "UploadId");
        }
        List<String> etags = new ArrayList<>();
        long total = 0;
        try {
            int n = part.length;
            while (n > 0) {
                String number = String.valueOf(etags.size() + 1);
                try (S3Requests.Response r = s3.send(what, SdkHttpMethod.PUT, objectKey,
                        Map.of("partNumber", number, "uploadId", uploadId), Map.of(), part, n)) {
                    check(what, r);
                    etags.add(r.header("ETag"));
                }
                total += n;
                try {
                    n = data.readNBytes(part, 0, S3ArtifactStore.PART_SIZE);
                } catch (IOException e) {
                    throw sourceFailed(key, e);
                }
            }
            byte[] complete = xml(w -> {
                w.writeStartElement("CompleteMultipartUpload");
                w.writeDefaultNamespace(XMLNS);
                for (int i = 0; i < etags.size(); i++) {
                    w.writeStartElement("Part");
                    element(w, "PartNumber", String.valueOf(i + 1));
                    element(w, "ETag", etags.get(i));
                    w.writeEndElement();
                }
                w.writeEndElement();
            });
            try (S3Requests.Response r = s3.send(what, SdkHttpMethod.POST, objectKey, Map.of("uploadId", uploadId),
                    Map.of(), complete, complete.length)) {
                check(what, r);
                // S3 may answer 200 and then an <Error> for a completion that failed while it answered
                S3Requests.S3Error late = parse(what, r, S3PodStore::lateError);
                if (late != null) {
                    throw errors.translate(what, 200, late.code(), late.message());
                }
            }
            LOG.debug("put {} ({} bytes in {} parts)", describe(key), total, etags.size());
        } catch (RuntimeException e) {
            abort(key, objectKey, uploadId);
            throw e;
        }
    }

    private static S3Requests.S3Error lateError(XMLStreamReader xml) throws XMLStreamException {
        while (xml.hasNext()) {
            if (xml.next() == XMLStreamConstants.START_ELEMENT) {
                if (!"Error".equals(xml.getLocalName())) {
                    return null;
                }
                String code = "";
                String message = "";
                while (xml.hasNext()) {
                    if (xml.next() == XMLStreamConstants.START_ELEMENT) {
                        switch (xml.getLocalName()) {
                            case "Code" -> code = xml.getElementText();
                            case "Message" -> message = xml.getElementText();
                            default -> { }
                        }
                    }
                }
                return new S3Requests.S3Error(code, message);
            }
        }
        return null;
    }

    private void abort(String key, String objectKey, String uploadId) {
        String what = "aborting the upload of " + describe(key);
        try (S3Requests.Response r = s3.send(what, SdkHttpMethod.DELETE, objectKey, Map.of("uploadId", uploadId),
                Map.of(), null, 0)) {
            check(what, r);
            LOG.debug("aborted the upload of {}", describe(key));
        } catch (ValenceException e) {
            LOG.warn("could not abort the multipart upload {} of {}: {}; a bucket lifecycle rule"
                    + " (AbortIncompleteMultipartUpload) removes it", uploadId, describe(key), e.getMessage());
        }
    }

    private ValenceException sourceFailed(String key, IOException e) {
        return new ValenceException(ErrorKind.STORE, "writing " + describe(key) + " failed: reading the data to write: "
                + e.getMessage() + "; nothing was written", e);
    }

    @Override
    public InputStream get(String key) {
        String objectKey = where.name(StoreKeys.key(key, location()));
        String what = "reading " + describe(key);
        S3Requests.Response r = s3.send(what, SdkHttpMethod.GET, objectKey, Map.of(), Map.of(), null, 0);
        if (!r.ok()) {
            try (r) {
                S3Requests.S3Error error = r.error();
                if (r.status() == 404 && !"NoSuchBucket".equals(error.code())) {
                    throw new ValenceException(ErrorKind.STORE, "no object at " + describe(key)
                            + ": nothing was written there or it was deleted");
                }
                throw errors.translate(what, r.status(), error.code(), error.message());
            }
        }
        try {
            return new AbortOnEarlyClose(r.body(), r::abort);
        } catch (IOException e) {
            r.abort();
            throw errors.translate(what, e);
        }
    }

    @Override
    public boolean exists(String key) {
        String objectKey = where.name(StoreKeys.key(key, location()));
        String what = "checking " + describe(key);
        try (S3Requests.Response r = s3.send(what, SdkHttpMethod.HEAD, objectKey, Map.of(), Map.of(), null, 0)) {
            if (r.status() == 404) {
                return false;
            }
            check(what, r);
            return true;
        }
    }

    @Override
    public List<String> list(String prefix) {
        String folder = StoreKeys.prefix(prefix, location());
        List<String> keys = new ArrayList<>();
        for (String name : objects(folder)) {
            keys.add(where.storeKey(name));
        }
        Collections.sort(keys);
        return keys;
    }

    /** The object names under {@code folder}: ListObjectsV2, page by page, keys URL-encoded by S3 (any character survives XML). */
    private List<String> objects(String folder) {
        String what = "listing " + describe(folder);
        List<String> names = new ArrayList<>();
        String token = null;
        do {
            Map<String, String> query = new LinkedHashMap<>();
            query.put("list-type", "2");
            query.put("prefix", where.folder(folder));
            query.put("encoding-type", "url");
            query.put("max-keys", String.valueOf(listPage));
            if (token != null) {
                query.put("continuation-token", token);
            }
            try (S3Requests.Response r = s3.send(what, SdkHttpMethod.GET, "", query, Map.of(), null, 0)) {
                check(what, r);
                token = parse(what, r, xml -> page(xml, names));
            }
        } while (token != null);
        return names;
    }

    /** Adds a page's keys to {@code names}; the continuation token when the listing goes on, else null. */
    private static String page(XMLStreamReader xml, List<String> names) throws XMLStreamException {
        String next = null;
        boolean truncated = false;
        boolean inContents = false;
        while (xml.hasNext()) {
            int event = xml.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                switch (xml.getLocalName()) {
                    case "Contents" -> inContents = true;
                    case "Key" -> {
                        if (inContents) {
                            names.add(SdkHttpUtils.urlDecode(xml.getElementText()));
                        }
                    }
                    case "IsTruncated" -> truncated = Boolean.parseBoolean(xml.getElementText().trim());
                    case "NextContinuationToken" -> next = xml.getElementText();
                    default -> { }
                }
            } else if (event == XMLStreamConstants.END_ELEMENT && "Contents".equals(xml.getLocalName())) {
                inContents = false;
            }
        }
        return truncated && next != null && !next.isEmpty() ? next : null;
    }

    @Override
    public void deletePrefix(String prefix) {
        String folder = StoreKeys.prefix(prefix, location());
        String what = "deleting " + describe(folder);
        List<String> names = objects(folder);
        for (int from = 0; from < names.size(); from += DELETE_BATCH) {
            List<String> batch = names.subList(from, Math.min(names.size(), from + DELETE_BATCH));
            byte[] body = xml(w -> {
                w.writeStartElement("Delete");
                w.writeDefaultNamespace(XMLNS);
                element(w, "Quiet", "true");
                for (String name : batch) {
                    w.writeStartElement("Object");
                    element(w, "Key", name);
                    w.writeEndElement();
                }
                w.writeEndElement();
            });
            List<String> failed = new ArrayList<>();
            try (S3Requests.Response r = s3.send(what, SdkHttpMethod.POST, "", Map.of("delete", ""),
                    Map.of("Content-MD5", md5(body)), body, body.length)) {
                check(what, r);
                parse(what, r, xml -> deleteErrors(xml, failed));
            }
            if (!failed.isEmpty()) {
                throw new ValenceException(ErrorKind.STORE, what + " failed for " + failed.size() + " objects: "
                        + failed.stream().limit(3).collect(Collectors.joining(", "))
                        + "; check s3:DeleteObject permission on the bucket");
            }
        }
        LOG.debug("deleted {} objects under {}", names.size(), describe(folder));
    }

    private Void deleteErrors(XMLStreamReader xml, List<String> failed) throws XMLStreamException {
        String key = "";
        String code = "";
        String message = "";
        boolean inError = false;
        while (xml.hasNext()) {
            int event = xml.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                switch (xml.getLocalName()) {
                    case "Error" -> {
                        inError = true;
                        key = "";
                        code = "";
                        message = "";
                    }
                    case "Key" -> key = inError ? xml.getElementText() : key;
                    case "Code" -> code = inError ? xml.getElementText() : code;
                    case "Message" -> message = inError ? xml.getElementText() : message;
                    default -> { }
                }
            } else if (event == XMLStreamConstants.END_ELEMENT && "Error".equals(xml.getLocalName())) {
                inError = false;
                failed.add("s3://" + where.root() + "/" + key + " (" + code + ": " + message + ")");
            }
        }
        return null;
    }

    @Override
    public StoreAccess podAccess() {
        return S3Location.podAccess(location(), region, endpoint, caBundle);
    }

    @Override
    public String toString() {
        return "S3PodStore[" + location() + ", region " + region + (endpoint.isEmpty() ? "" : ", endpoint " + endpoint) + "]";
    }

    /** A {@code STORE} error for a non-2xx answer, worded as the client store's. */
    private void check(String what, S3Requests.Response r) {
        if (!r.ok()) {
            S3Requests.S3Error error = r.error();
            throw errors.translate(what, r.status(), error.code(), error.message());
        }
    }

    /** The text of the one element {@code name} of a 2xx XML answer. */
    private String single(String what, S3Requests.Response r, String name) {
        String value = parse(what, r, xml -> {
            while (xml.hasNext()) {
                if (xml.next() == XMLStreamConstants.START_ELEMENT && name.equals(xml.getLocalName())) {
                    return xml.getElementText();
                }
            }
            return null;
        });
        if (value == null || value.isEmpty()) {
            throw new ValenceException(ErrorKind.STORE, what + " failed: " + errors.endpoint() + " answered without "
                    + name);
        }
        return value;
    }

    private interface XmlReading<T> {
        T read(XMLStreamReader xml) throws XMLStreamException;
    }

    private interface XmlWriting {
        void write(XMLStreamWriter xml) throws XMLStreamException;
    }

    private <T> T parse(String what, S3Requests.Response r, XmlReading<T> reading) {
        try (InputStream in = r.body()) {
            byte[] body = in.readAllBytes();
            if (body.length == 0) {
                return null;
            }
            return reading.read(S3Requests.Xml.reader(new java.io.ByteArrayInputStream(body)));
        } catch (IOException e) {
            throw errors.translate(what, e);
        } catch (XMLStreamException e) {
            throw new ValenceException(ErrorKind.STORE, what + " failed: " + errors.endpoint()
                    + " answered XML that could not be read: " + e.getMessage(), e);
        }
    }

    private static byte[] xml(XmlWriting writing) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            XMLStreamWriter w = XMLOutputFactory.newDefaultFactory().createXMLStreamWriter(out, "UTF-8");
            w.writeStartDocument("UTF-8", "1.0");
            writing.write(w);
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write an S3 request body: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private static void element(XMLStreamWriter w, String name, String text) throws XMLStreamException {
        w.writeStartElement(name);
        w.writeCharacters(text);
        w.writeEndElement();
    }

    /** {@code Content-MD5}, which S3 requires on DeleteObjects. */
    private static String md5(byte[] body) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JRE has no MD5 for S3's Content-MD5", e);
        }
    }
}
